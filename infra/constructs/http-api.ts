import { type CfnStage, HttpApi, HttpMethod } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { type FunctionName, ROUTES } from "../../shared/http/routes.ts";

export interface BackorderApiProps {
  functions: Record<FunctionName, IFunction>;
}

/** The HTTP API, with one route per entry of the route table. */
export class BackorderApi extends Construct {
  readonly api: HttpApi;

  constructor(scope: Construct, id: string, props: BackorderApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, "HttpApi", {
      description: "Backorder engine API (contract: shared/contract.md)",
      createDefaultStage: true,
    });
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    for (const route of ROUTES) {
      let integration = integrations.get(route.fn);
      if (!integration) {
        integration = new HttpLambdaIntegration(
          `${route.fn}-integration`,
          props.functions[route.fn],
        );
        integrations.set(route.fn, integration);
      }
      this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
      });
    }

    const accessLogs = new LogGroup(this, "AccessLogs", { retention: RetentionDays.ONE_MONTH });
    const stage = this.api.defaultStage?.node.defaultChild as CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: "$context.requestId",
        ip: "$context.identity.sourceIp",
        requestTime: "$context.requestTime",
        routeKey: "$context.routeKey",
        status: "$context.status",
        latency: "$context.responseLatency",
        integrationError: "$context.integrationErrorMessage",
      }),
    };
    stage.defaultRouteSettings = { throttlingBurstLimit: 200, throttlingRateLimit: 100 };
  }
}
