import { DestinationCatalog } from "./catalog-destinations.ts";
import type { ConnectorFactory } from "./connector.ts";
import { jiraFactory } from "./jira/jira-factory.ts";
import { memoryFactory } from "./memory/memory-factory.ts";
import { jsmFactory } from "./opsgenie/jsm-factory.ts";
import { opsgenieFactory } from "./opsgenie/opsgenie-factory.ts";
import { pagerdutyFactory } from "./pagerduty/pagerduty-factory.ts";
import { servicenowFactory } from "./servicenow/servicenow-factory.ts";
import { slackFactory } from "./slack/slack-factory.ts";
import { teamsFactory } from "./teams/teams-factory.ts";
import { webhookFactory } from "./webhook/webhook-factory.ts";
import { zammadFactory } from "./zammad/zammad-factory.ts";

/** The one list of connector factories: a new platform is one folder plus one entry here. */
export const connectorFactories: readonly ConnectorFactory[] = [
  memoryFactory,
  webhookFactory,
  slackFactory,
  pagerdutyFactory,
  jiraFactory,
  servicenowFactory,
  zammadFactory,
  teamsFactory,
  opsgenieFactory,
  jsmFactory,
];

/** Every registered platform's catalog destinations and their secrets (catalog, API, CLI). */
export const destinationCatalog = new DestinationCatalog(connectorFactories);

/** The factory for a platform name as used in config and routing, if Sluice has one. */
export function findFactory(platform: string): ConnectorFactory | undefined {
  return connectorFactories.find((factory) => factory.platform === platform);
}
