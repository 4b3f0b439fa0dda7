/**
 * The shop whose emails and pages these are: its name, logo, support address, footer and
 * the remedies its delay notices offer. Set per deployment (`cdk.json` context `shop`,
 * the environment locally); see config.ts.
 */
export interface ShopProfile {
  name: string;
  /** An absolute https URL of the logo (emails load it from there), or null for the name. */
  logoUrl: string | null;
  /** Where customers write; shown in every email and on the page. */
  supportEmail: string;
  /** The closing line of every email (address, company number, what the shop must say). */
  footer: string;
  /** The storefront's home page, if any. */
  url: string | null;
  /** Extra carriers' tracking pages by lower-case name (`{number}` is the parcel's). */
  trackingPages: Readonly<Record<string, string>>;
}

export const EXAMPLE_SHOP: ShopProfile = {
  name: "Example Shop",
  logoUrl: null,
  supportEmail: "support@example.com",
  footer: "Example Shop · 1 Main St, Springfield",
  url: null,
  trackingPages: {},
};
