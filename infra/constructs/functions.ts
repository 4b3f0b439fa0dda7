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
 * where lines are charged or refunded (intake only checks the provider is set up), jose
 * where links are signed or verified, standardwebhooks where suppliers' notices are, and
 * each AWS SDK client where its service is granted. Elsewhere the package is aliased to a stand-in that refuses
 * (shared/adapters/absent/), and the bundle carries none of it.
 */
export const BUNDLED_ONLY_FOR: Readonly<Record<string, readonly Access[]>> = {
  stripe: ["payments:charge"],
  jose: ["links:read", "email:send"],
  standardwebhooks: ["suppliers:read"],
  "@aws-sdk/client-dynamodb": ["table:read", "table:write"],
  "@aws-sdk/lib-dynamodb": ["table:read", "table:write"],
  "@aws-sdk/client-sfn": [
    "workflow:start",
    "workflow:signal",
    "workflow:read",
    "workflow:history",
    "bulk:start",
  ],
  "@aws-sdk/client-sesv2": ["email:send"],
  "@aws-sdk/client-secrets-manager": [
    "api-keys:read",
    "links:read",
    "payments:read",
    "payments:charge",
    "suppliers:read",
  ],
};

/** The stand-in module of a package left out (its name without the npm scope). */
const standIn = (pkg: string) => `./shared/adapters/absent/${pkg.replace(/^@[^/]+\//, "")}.ts`;

/**
 * The esbuild aliases of a function's bundle: the packages its access has no use for are
 * left out, and the AWS SDK's default credential chain gives way to the environment's
 * credentials, all a Lambda function has (shared/adapters/env-credentials.ts).
 */
export function bundleAliases(access: readonly Access[]): Record<string, string> {
  return {
    ...Object.fromEntries(
      Object.entries(BUNDLED_ONLY_FOR)
        .filter(([, needs]) => !needs.some((a) => access.includes(a)))
        .map(([pkg]) => [`--alias:${pkg}`, standIn(pkg)]),
    ),
    "--alias:@aws-sdk/credential-provider-node": "./shared/adapters/env-credentials.ts",
  };
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
            // Never the incoming event in the logs (it carries customers' addresses); the
            // handlers pin this too, whatever the variable says.
            POWERTOOLS_LOGGER_LOG_EVENT: "false",
          },
          bundling: {
            format: OutputFormat.ESM,
            target: "node22",
            minify: true,
            sourceMap: props.stage.sourceMaps,
            keepNames: true,
            forceDockerBundling: false,
            // The AWS SDK is bundled, at the version package-lock.json pins, not taken from
            // the runtime (whose version moves under us, and loads slower from its files).
            externalModules: [],
            // ES module builds first: esbuild can leave out what the function never uses.
            mainFields: ["module", "main"],
            // Packages the function's access gives it no use for stay out of its bundle.
            esbuildArgs: bundleAliases(spec.access),
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
