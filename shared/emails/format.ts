/**
 * How values are shown to people in emails and on the order page (contract §2, §10):
 * amounts with the currency's own exponent, dates in words, carriers' tracking links.
 * Pure: no I/O, no configuration reads.
 */

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * An amount in minor units (contract §2) as people read it, with the currency's own
 * exponent: JPY 3000 is ¥3,000, USD 1999 is $19.99, KWD 3000 is KWD 3.000. Intl knows each
 * currency's digits (ISO 4217); a code it does not know is shown with two.
 */
export function formatMoney(amount: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  try {
    return new Intl.NumberFormat("en-US", {
      style: "currency",
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(amount / 10 ** digits);
  } catch {
    return `${(amount / 10 ** digits).toFixed(digits)} ${currency}`;
  }
}

/** ISO 4217 currencies whose minor unit is not the hundredth (all others have two). Intl's
 * digits are CLDR's display digits, which differ for some (HUF, IQD, LBP, …), so the
 * exponent amounts are counted in comes from this list, not from Intl. */
const ISO_4217_DIGITS: Readonly<Record<string, number>> = {
  ...Object.fromEntries(
    "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
      .split(" ")
      .map((c) => [c, 0]),
  ),
  ...Object.fromEntries("BHD IQD JOD KWD LYD OMR TND".split(" ").map((c) => [c, 3])),
  CLF: 4,
  UYW: 4,
};

/** The exponent of a currency's minor unit (ISO 4217): JPY 0, USD 2, KWD 3. */
export function minorUnitDigits(currency: string): number {
  const code = currency.toUpperCase();
  return Object.hasOwn(ISO_4217_DIGITS, code) ? (ISO_4217_DIGITS[code] as number) : 2;
}

const DAY_FORMAT = new Intl.DateTimeFormat("en-US", {
  weekday: "short",
  month: "short",
  day: "numeric",
  year: "numeric",
  timeZone: "UTC",
});

/** `2026-12-20` (or an ISO instant) as `Sun, Dec 20, 2026`; anything else as it is. */
export function formatDay(value: string): string {
  const day = value.slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return value;
  const date = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? value : DAY_FORMAT.format(date);
}

/**
 * Public tracking pages of common carriers, by lower-case name; `{number}` is replaced by
 * the tracking number. A shop adds or overrides carriers in its configuration.
 */
export const CARRIER_TRACKING: Readonly<Record<string, string>> = {
  ups: "https://www.ups.com/track?tracknum={number}",
  fedex: "https://www.fedex.com/fedextrack/?trknbr={number}",
  usps: "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
  dhl: "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={number}",
  "royal mail": "https://www.royalmail.com/track-your-item#/tracking-results/{number}",
  dpd: "https://track.dpd.co.uk/parcels/{number}",
};

/** The carrier's tracking page for a parcel, or null for a carrier we know no page of. */
export function trackingUrl(
  carrier: string | null | undefined,
  number: string,
  pages: Readonly<Record<string, string>> = CARRIER_TRACKING,
): string | null {
  const key = (carrier ?? "").trim().toLowerCase();
  const template = Object.hasOwn(pages, key) ? pages[key] : undefined;
  return template ? template.replace("{number}", encodeURIComponent(number)) : null;
}
