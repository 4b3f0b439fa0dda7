import { absentClass } from "./aws-sdk.ts";

/** Stands in for `@aws-sdk/client-sesv2` where a function sends no email (refuse.ts). */
const Absent = absentClass("@aws-sdk/client-sesv2", "email:send");

export class SESv2Client extends Absent {}
export class SendEmailCommand extends Absent {}
