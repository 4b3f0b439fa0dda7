import { Duration } from "aws-cdk-lib";
import { Architecture, type CfnFunction, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import {
  type Access,
  FUNCTIONS,
  type FunctionName,
  functionEntry,
} from "../../shared/http/routes.ts";
import { repoRoot } from "../paths.ts";
import type { Stage } from "../stage.ts";
import { FUNCTION_METADATA_KEY } from "./function-metadata.ts";

export { FUNCTION_METADATA_KEY };

/**
 * Packages bundled only into the functions whose access can use them: the Stripe SDK
 * needs the payment provider's key, jose the link-signing secret (customer routes verify
 * links, emails carry them), standardwebhooks the suppliers' secrets. Elsewhere the
 * package is aliased to a stand-in that refuses (shared/adapters/absent/).
 */
export const BUNDLED_ONLY_FOR: Readonly<Record<string, readonly Access[]>> = {
  stripe: ["payments:read"],
  jose: ["links:read", "email:send"],
  standardwebhooks: ["suppliers:read"],
};

/** The esbuild aliases that leave out the packages a function's access has no use for. */
export function absentPackageAliases(access: readonly Access[]): Record<string, string> {
  return Object.fromEntries(
    Object.entries(BUNDLED_ONLY_FOR)
      .filter(([, needs]) => !needs.some((a) => access.includes(a)))
      .map(([pkg]) => [`--alias:${pkg}`, `./shared/adapters/absent/${pkg}.ts`]),
  );
}

/** A function's timeout unless the function table says otherwise. */
export const DEFAULT_TIMEOUT_SECONDS = 10;

export interface FunctionsProps {
  /** Environment every function gets. */
  environment: Record<string, string>;
  /** The stage: how long logs are kept. */
  stage: Stage;
}

/** One Lambda per entry of the function table, Node 22 on arm64, bundled by local esbuild. */
export class Functions extends Construct {
  readonly byName: Record<FunctionName, NodejsFunction>;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const entries = Object.entries(FUNCTIONS) as [FunctionName, (typeof FUNCTIONS)[FunctionName]][];
    this.byName = Object.fromEntries(
      entries.map(([name, spec]) => {
        const logGroup = new LogGroup(this, `${name}-logs`, {
          retention: props.stage.logRetention,
        });
        const fn = new NodejsFunction(this, name, {
          description: spec.description,
          entry: `${repoRoot}/${functionEntry(name)}`,
          handler: "handler",
          runtime: Runtime.NODEJS_22_X,
          architecture: Architecture.ARM_64,
          memorySize: 512,
          timeout: Duration.seconds(
            "timeoutSeconds" in spec ? spec.timeoutSeconds : DEFAULT_TIMEOUT_SECONDS,
          ),
          tracing: Tracing.ACTIVE,
          logGroup,
          projectRoot: repoRoot,
          depsLockFilePath: `${repoRoot}/package-lock.json`,
          environment: {
            ...(props.stage.sourceMaps ? { NODE_OPTIONS: "--enable-source-maps" } : {}),
            POWERTOOLS_SERVICE_NAME: "backorder-engine",
            ...props.environment,
          },
          bundling: {
            format: OutputFormat.ESM,
            target: "node22",
            minify: true,
            sourceMap: props.stage.sourceMaps,
            keepNames: true,
            forceDockerBundling: false,
            // Packages the function's access gives it no use for stay out of its bundle.
            esbuildArgs: absentPackageAliases(spec.access),
            // ESM bundles need a require shim for CommonJS dependencies.
            banner:
              "import { createRequire as __createRequire } from 'module'; const require = __createRequire(import.meta.url);",
          },
        });
        (fn.node.defaultChild as CfnFunction).addMetadata(FUNCTION_METADATA_KEY, name);
        return [name, fn];
      }),
    ) as Record<FunctionName, NodejsFunction>;
  }
}
