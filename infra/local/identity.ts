/** The fixed AWS identity of the local stack: its region, account and SDK credentials. */
export const LOCAL_REGION = "us-east-1";
export const LOCAL_ACCOUNT = "000000000000";
/** What SDK clients sign with; the local emulators accept any credentials. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;
