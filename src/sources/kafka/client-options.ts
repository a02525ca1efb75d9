import type { ConnectionOptions as TlsOptions } from "node:tls";
import type { BaseOptions } from "@platformatic/kafka";
import type { KafkaSourceConfig } from "../../config/kafka-config.ts";

/** Connection options (brokers, TLS, SASL) shared by the consumer and the dead-letter producer. */
export function clientOptions(config: KafkaSourceConfig, role: string): BaseOptions {
  const options: BaseOptions = {
    clientId: `${config.clientId}-${role}`,
    bootstrapBrokers: config.brokers,
    retries: 5,
    retryDelay: 500,
  };
  if (config.tls.enabled) {
    const tls: TlsOptions = { rejectUnauthorized: config.tls.rejectUnauthorized };
    if (config.tls.ca) tls.ca = config.tls.ca;
    if (config.tls.cert) tls.cert = config.tls.cert;
    if (config.tls.key) tls.key = config.tls.key;
    options.tls = tls;
  }
  if (config.sasl) {
    options.sasl = { mechanism: config.sasl.mechanism, username: config.sasl.username, password: config.sasl.password };
  }
  return options;
}
