import { z } from "zod";

/** Zod schemas of the contract's request bodies (../shared/contract.md). */

export const skuCode = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_' and '-' only");

const quantity = z.number().int().nonnegative();

export const putSkuBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    onHand: quantity,
    backorder: z
      .object({
        allowed: z.boolean(),
        limit: z.number().int().positive().optional(),
        leadTimeDays: z.number().int().nonnegative().max(3650).optional(),
      })
      .strict()
      .default({ allowed: false }),
    substitutes: z.array(skuCode).max(50).default([]),
  })
  .strict();

export type PutSkuBody = z.infer<typeof putSkuBody>;
