import Mustache from "mustache";
import type { NotificationKind } from "../domain/notifications.ts";
import { EMAIL_HTML, EMAIL_TEXT } from "./compiled.ts";
import { escapeHtml } from "./format.ts";
import { type EmailContext, emailView } from "./view.ts";

export { escapeHtml, formatMoney } from "./format.ts";
export type { EmailContext } from "./view.ts";

export interface EmailContent {
  subject: string;
  html: string;
  text: string;
}

/** Plain text is not HTML: values go in as they are. */
const asIs = (value: unknown) => String(value);

/**
 * Renders an email from the templates (shared/emails/templates, MJML compiled at build
 * time): subject, HTML and a plain-text part that says the same, each with a link to the
 * order page.
 */
export function renderEmail(kind: NotificationKind, ctx: EmailContext): EmailContent {
  const view = emailView(kind, ctx);
  const html = Mustache.render(
    EMAIL_HTML,
    view,
    {},
    { escape: (value: unknown) => escapeHtml(String(value)) },
  );
  const text = Mustache.render(EMAIL_TEXT, view, {}, { escape: asIs })
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return { subject: view.subject, html, text: `${text}\n` };
}
