import {
  type CfnStage,
  DomainName,
  HttpApi,
  HttpMethod,
  type HttpRoute,
} from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { Certificate } from "aws-cdk-lib/aws-certificatemanager";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import {
  type FunctionName,
  ROUTE_THROTTLES,
  ROUTES,
  routeKeyOf,
} from "../../shared/http/routes.ts";
import type { Stage } from "../stage.ts";

export interface BackorderApiProps {
  functions: Record<FunctionName, IFunction>;
  stage: Stage;
  /** A custom domain for the API (and the customer links): its name and the ARN of an ACM
   * certificate for it in the stack's region. */
  domain?: { name: string; certificateArn: string };
}

/** The HTTP API, with one route per entry of the route table. */
export class BackorderApi extends Construct {
  readonly api: HttpApi;
  /** The custom domain, when one is given. */
  readonly domainName?: DomainName;

  constructor(scope: Construct, id: string, props: BackorderApiProps) {
    super(scope, id);
    if (props.domain) {
      this.domainName = new DomainName(this, "DomainName", {
        domainName: props.domain.name,
        certificate: Certificate.fromCertificateArn(
          this,
          "Certificate",
          props.domain.certificateArn,
        ),
      });
    }
    this.api = new HttpApi(this, "HttpApi", {
      apiName: `${props.stage.prefix}-api`,
      description: "Backorder engine API (contract: shared/contract.md)",
      createDefaultStage: true,
      ...(this.domainName ? { defaultDomainMapping: { domainName: this.domainName } } : {}),
    });
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    const routes: HttpRoute[] = [];
    for (const route of ROUTES) {
      let integration = integrations.get(route.fn);
      if (!integration) {
        integration = new HttpLambdaIntegration(
          `${route.fn}-integration`,
          props.functions[route.fn],
        );
        integrations.set(route.fn, integration);
      }
      routes.push(
        ...this.api.addRoutes({
          path: route.path,
          methods: [HttpMethod[route.method]],
          integration,
        }),
      );
    }

    const accessLogs = new LogGroup(this, "AccessLogs", { retention: props.stage.logRetention });
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
    // Each route throttled at its caller's rate (ROUTE_THROTTLES), in a bucket of its own;
    // a route the table does not name gets the public rate.
    const { perSecond, burst } = ROUTE_THROTTLES.public;
    stage.defaultRouteSettings = { throttlingRateLimit: perSecond, throttlingBurstLimit: burst };
    // RouteSettings is raw JSON to CDK: CloudFormation's own (PascalCase) names.
    stage.routeSettings = Object.fromEntries(
      ROUTES.map((route) => {
        const { perSecond, burst } = ROUTE_THROTTLES[route.auth];
        return [routeKeyOf(route), { ThrottlingRateLimit: perSecond, ThrottlingBurstLimit: burst }];
      }),
    );
    // Route settings name routes that must exist before the stage refers to them.
    for (const route of routes) stage.node.addDependency(route);
  }
}
