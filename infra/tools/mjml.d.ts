// MJML ships no types; the one call the templates' build makes.
declare module "mjml" {
  interface MjmlResult {
    html: string;
    errors: { line: number; message: string; tagName: string }[];
  }
  export default function mjml2html(
    source: string,
    options?: {
      validationLevel?: "strict" | "soft" | "skip";
      minify?: boolean;
      fonts?: Record<string, string>;
      keepComments?: boolean;
    },
  ): MjmlResult | Promise<MjmlResult>;
}
