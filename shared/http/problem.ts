import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/** RFC 9457 problem details (contract §2). */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Problem `type` URIs are relative references under `/problems/`. */
export function problemType(slug: string): string {
  return `/problems/${slug}`;
}

/** An error that is answered to the caller as problem+json. Anything else is a 500. */
export class HttpProblem extends Error {
  override readonly name = "HttpProblem";
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
  }

  body(): ProblemBody {
    return {
      type: problemType(this.slug),
      title: this.title,
      status: this.status,
      detail: this.detail,
      ...this.extensions,
    };
  }
}

export const problems = {
  badRequest: (detail: string, errors?: ProblemBody["errors"]) =>
    new HttpProblem(400, "validation-error", "Invalid request", detail, errors ? { errors } : {}),
  malformedJson: () =>
    new HttpProblem(400, "malformed-json", "Malformed JSON", "The request body is not valid JSON."),
  payloadTooLarge: (limit: number) =>
    new HttpProblem(
      400,
      "payload-too-large",
      "Request body too large",
      `The limit is ${limit} bytes.`,
    ),
  unauthorized: (detail = "A valid credential is required.") =>
    new HttpProblem(401, "unauthorized", "Unauthorized", detail),
  forbidden: (detail = "This credential may not call this route.") =>
    new HttpProblem(403, "forbidden", "Forbidden", detail),
  notFound: (detail: string) => new HttpProblem(404, "not-found", "Not found", detail),
  methodNotAllowed: () =>
    new HttpProblem(
      405,
      "method-not-allowed",
      "Method not allowed",
      "This path has no such method.",
    ),
  conflict: (slug: string, title: string, detail: string, extensions?: Record<string, unknown>) =>
    new HttpProblem(409, slug, title, detail, extensions),
  unprocessable: (
    slug: string,
    title: string,
    detail: string,
    extensions?: Record<string, unknown>,
  ) => new HttpProblem(422, slug, title, detail, extensions),
};

export function problemResponse(
  problem: HttpProblem | ProblemBody,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  const body = problem instanceof HttpProblem ? problem.body() : problem;
  return {
    statusCode: body.status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE, ...headers },
    body: JSON.stringify(body),
  };
}

export const internalError: ProblemBody = {
  type: problemType("internal-error"),
  title: "Internal error",
  status: 500,
  detail: "The request could not be completed. It is safe to retry.",
};
