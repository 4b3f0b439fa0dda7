import type * as z from "zod";
import { type HttpProblem, problems } from "./problem.ts";

/** A zod failure as a 400 problem with one `{path, message}` per issue. */
export function zodProblem(
  error: z.ZodError,
  detail = "The request does not match the expected shape.",
): HttpProblem {
  const errors = error.issues.map((issue) => ({
    path: issue.path.length ? `/${issue.path.map(String).join("/")}` : "/",
    message: issue.message,
  }));
  return problems.badRequest(detail, errors);
}

/** Validates a path parameter, header or query, answering 400 (with `detail`) when it fails. */
export function parseOr400<T>(schema: z.ZodType<T>, value: unknown, detail?: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw zodProblem(result.error, detail);
  return result.data;
}
