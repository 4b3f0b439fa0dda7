import { RemovalPolicy } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { LogLevel } from "aws-cdk-lib/aws-stepfunctions";

/** The stages a deployment may be (context `stage`; `dev` by default). */
export const STAGES = ["dev", "prod"] as const;
export type StageName = (typeof STAGES)[number];

/** What a stage changes in the stack. */
export interface Stage {
  name: StageName;
  /** The CloudFormation stack's name, and the prefix of every named resource. */
  stackName: string;
  prefix: string;
  /** The table refuses to be deleted (DeletionProtectionEnabled) while this is on. */
  tableDeletionProtection: boolean;
  /** The secrets go with the stack (dev) or stay with the table (prod): deleting the
   * link-signing secret kills every link already emailed, and the API keys every client. */
  secretRemoval: RemovalPolicy;
  /** How long functions', the API's and the machines' logs are kept: a backorder can live
   * for months, so prod keeps them for a year. */
  logRetention: RetentionDays;
  /** What the state machines log: everything in dev, errors in prod (ALL with execution
   * data writes every line's state, customer details included, at each step). */
  workflowLogLevel: LogLevel;
  /** Functions carry source maps (dev: stack traces name the TypeScript sources; prod: no
   * map to load, and none of the cost `--enable-source-maps` adds to the first error). */
  sourceMaps: boolean;
  /** Orders may name the `sandbox` payment provider: off in every deployed stage unless
   * context `sandboxPayments=on` (its "charges" move no money). */
  sandboxPayments: boolean;
}

/** The settings of a stage by its name; an unknown name is refused. */
export function stageOf(name = "dev", options: { sandboxPayments?: string } = {}): Stage {
  if (!(STAGES as readonly string[]).includes(name)) {
    throw new Error(`unknown stage "${name}": use one of ${STAGES.join(", ")} (-c stage=...)`);
  }
  const stage = name as StageName;
  const prod = stage === "prod";
  return {
    name: stage,
    stackName: `BackorderEngine-${stage}`,
    prefix: `backorder-${stage}`,
    tableDeletionProtection: prod,
    secretRemoval: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    logRetention: prod ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH,
    workflowLogLevel: prod ? LogLevel.ERROR : LogLevel.ALL,
    sourceMaps: !prod,
    sandboxPayments: options.sandboxPayments === "on",
  };
}
