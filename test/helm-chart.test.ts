// Checks the Helm chart against the code it deploys: its values with Sluice's own config and catalog
// loaders, and the manifests a real Helm renders (scripts/helm.sh provides Helm: SLUICE_TEST_HELM, a
// `helm` on the PATH, or one built once with `go install`).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse, parseAllDocuments } from "yaml";
import { loadCatalog } from "../src/catalog/load-catalog.ts";
import { parseConfig } from "../src/config/loader.ts";
import { inMemorySluice } from "../src/testing/in-memory-sluice.ts";
import { missingPeer } from "./support/missing-peer.ts";
import { provision } from "./support/provision.ts";

const chart = new URL("../deploy/helm/sluice/", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, chart), "utf8");
const values = parse(read("values.yaml")) as {
  replicaCount: number;
  config: Record<string, unknown>;
  catalogFiles: Record<string, string>;
};
const env = {
  DATABASE_URL: "postgres://sluice:pw@db:5432/sluice",
  SLUICE_ADMIN_TOKEN_SHA256: "a".repeat(64),
  PAGERDUTY_ROUTING_KEY: "R".repeat(32),
  SLACK_BOT_TOKEN: "xoxb-0000",
  SLACK_CHANNEL_ID: "C0123456789",
  JIRA_EMAIL: "ops@example.com",
  JIRA_API_TOKEN: "token",
};

describe("Helm chart", () => {
  it("ships values whose config block is a valid Sluice config (with its secrets from the environment)", () => {
    const { config, warnings } = parseConfig({ config: values.config }, env, process.cwd(), "values.yaml");
    assert.deepEqual(warnings, []);
    assert.equal(config.storage.databaseUrl, env.DATABASE_URL);
  });

  it("names every secret by reference, never by value", () => {
    const text = read("values.yaml");
    for (const key of ["routingKey", "botToken", "apiToken", "databaseUrl", "sha256"]) {
      const line = text.split("\n").find((l) => l.includes(`${key}:`)) ?? "";
      assert.match(line, /\$\{[A-Z0-9_]+\}/, `${key} is a \${ENV} reference`);
    }
  });

  it("runs more than one replica only on PostgreSQL", () => {
    assert.ok(values.replicaCount > 1);
    assert.ok((values.config.storage as { databaseUrl?: string }).databaseUrl, "replicas need storage.databaseUrl");
  });

  it("probes endpoints the server answers, and mounts the config where the image reads it", async () => {
    const deployment = read("templates/deployment.yaml");
    const { sluice } = await inMemorySluice();
    sluice.start();
    for (const path of ["/healthz", "/readyz"]) {
      assert.ok(deployment.includes(`path: ${path}`));
      assert.equal((await sluice.server.inject({ url: path })).statusCode, 200, path);
    }
    await sluice.close();
    assert.ok(deployment.includes("mountPath: /etc/sluice") && deployment.includes("/etc/sluice/config.yaml"));
    assert.ok(readFileSync(new URL("../Dockerfile", import.meta.url), "utf8").includes("/etc/sluice/config.yaml"));
    assert.ok(deployment.includes("readOnlyRootFilesystem: true") && deployment.includes("runAsNonRoot: true"));
    assert.ok(read("templates/pdb.yaml").includes("kind: PodDisruptionBudget"));
  });

  it("ships catalog files that are a valid service catalog, mounted where the config names them", () => {
    const dir = mkdtempSync(join(tmpdir(), "helm-catalog-"));
    for (const [name, content] of Object.entries(values.catalogFiles)) writeFileSync(join(dir, name), content);
    const named = (values.config.catalog as { files: string[] }).files;
    for (const file of named) {
      assert.ok(file.startsWith("/etc/sluice/"), `${file} is in the config volume`);
      assert.ok(Object.hasOwn(values.catalogFiles, file.slice("/etc/sluice/".length)), `${file} is one of catalogFiles`);
    }
    const { catalog, problems } = loadCatalog(
      { files: named.map((file) => join(dir, file.slice("/etc/sluice/".length))), backstage: [] },
      env,
    );
    assert.deepEqual(problems, []);
    assert.equal(catalog.lookup("checkout")?.team, "payments");
    assert.ok(read("templates/configmap.yaml").includes("range $name, $content := .Values.catalogFiles"));
  });
});

function helmBinary(): { helm: string } | { problem: string } {
  const found = provision("helm.sh");
  return "problem" in found ? found : { helm: found.output[0] as string };
}

interface Manifest {
  kind: string;
  metadata?: { name: string };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

interface Container {
  envFrom: { secretRef: { name: string } }[];
  env: { name: string; value: string }[];
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}

// The block users copy from the ticketing agent's documentation, as written: the values of an umbrella
// chart that includes this chart under the name logclaw-ticketing-agent.
const documentedValues = `logclaw-ticketing-agent:
  config:
    pagerduty:
      enabled: true
    jira:
      enabled: true
      baseUrl: "https://yourorg.atlassian.net"
      projectKey: "SRE"
    servicenow:
      enabled: true
      instance: "yourorg"
    anomaly:
      minimumScore: 0.85
      lookbackWindow: "15m"
`;

const found = helmBinary();
if ("problem" in found) {
  missingPeer("Helm chart rendered by Helm", found.problem, "install helm or Go, or set SLUICE_TEST_HELM");
} else {
  const { helm } = found;
  const chartDir = new URL("../deploy/helm/sluice", import.meta.url).pathname;
  const run = (...args: string[]) => {
    const result = spawnSync(helm, args, { encoding: "utf8", timeout: 60_000 });
    assert.equal(result.status, 0, `helm ${args.join(" ")}: ${result.stderr}${result.stdout}`);
    return result.stdout;
  };
  const render = (...args: string[]) => {
    // A first argument that is a directory is the chart to render (an umbrella chart); else this one.
    const [first, ...rest] = args;
    const [dir, flags] = first && !first.startsWith("-") ? [first, rest] : [chartDir, args];
    return parseAllDocuments(run("template", "sluice", dir, ...flags))
      .map((doc) => doc.toJS() as Manifest | null)
      .filter((doc): doc is Manifest => doc !== null);
  };

  describe("Helm chart rendered by Helm", () => {
    it("passes helm lint", () => {
      run("lint", chartDir);
    });

    it("renders a config and a catalog that Sluice loads, mounted where the image reads them", () => {
      const manifests = render();
      const configMap = manifests.find((m) => m.kind === "ConfigMap");
      assert.ok(configMap?.data, "a ConfigMap with data");
      const { config, warnings } = parseConfig(parse(configMap.data["config.yaml"] ?? ""), env, process.cwd(), "rendered");
      assert.deepEqual(warnings, []);
      assert.deepEqual(config.catalog?.files, ["/etc/sluice/services.yaml"]);
      const dir = mkdtempSync(join(tmpdir(), "helm-rendered-"));
      writeFileSync(join(dir, "services.yaml"), configMap.data["services.yaml"] ?? "");
      const { catalog, problems } = loadCatalog({ files: [join(dir, "services.yaml")], backstage: [] }, env);
      assert.deepEqual(problems, []);
      assert.equal(catalog.lookup("checkout")?.team, "payments");

      const deployment = manifests.find((m) => m.kind === "Deployment");
      const pod = (deployment?.spec?.template as { spec: Record<string, unknown> }).spec;
      const [container] = pod.containers as {
        args: string[];
        volumeMounts: { name: string; mountPath: string }[];
        securityContext: Record<string, unknown>;
        livenessProbe: { httpGet: { path: string } };
        readinessProbe: { httpGet: { path: string } };
      }[];
      assert.ok(container);
      assert.deepEqual(container.args, ["serve", "--config", "/etc/sluice/config.yaml"]);
      assert.ok(container.volumeMounts.some((m) => m.name === "config" && m.mountPath === "/etc/sluice"));
      assert.equal(container.securityContext.readOnlyRootFilesystem, true);
      assert.equal(container.livenessProbe.httpGet.path, "/healthz");
      assert.equal(container.readinessProbe.httpGet.path, "/readyz");
      assert.equal(deployment?.spec?.replicas, 2);
      assert.ok(manifests.some((m) => m.kind === "PodDisruptionBudget"));
      assert.ok(manifests.some((m) => m.kind === "Service"));
    });

    it("renders the documented values in an umbrella chart into a Deployment that reads the credentials from the Secret", () => {
      const umbrella = mkdtempSync(join(tmpdir(), "helm-umbrella-"));
      mkdirSync(join(umbrella, "charts"));
      cpSync(chartDir, join(umbrella, "charts", "sluice"), { recursive: true });
      writeFileSync(
        join(umbrella, "Chart.yaml"),
        "apiVersion: v2\nname: logclaw\nversion: 0.1.0\ndependencies:\n  - { name: sluice, version: 0.1.0, alias: logclaw-ticketing-agent }\n",
      );
      writeFileSync(join(umbrella, "documented.yaml"), documentedValues);
      writeFileSync(
        join(umbrella, "secret-store.yaml"),
        [
          "logclaw-ticketing-agent:",
          "  existingSecret: ticketing-credentials",
          "  externalSecret:",
          "    enabled: true",
          "    secretStoreRef: { name: aws-secrets-manager, kind: ClusterSecretStore }",
          "    dataFrom: [{ extract: { key: prod/ticketing-agent } }]",
          "",
        ].join("\n"),
      );
      // The documented block renders on its own...
      assert.ok(render(umbrella, "-f", join(umbrella, "documented.yaml")).some((m) => m.kind === "Deployment"));
      // ...and with the secret store added.
      const manifests = render(umbrella, "-f", join(umbrella, "documented.yaml"), "-f", join(umbrella, "secret-store.yaml"));

      const external = manifests.find((m) => m.kind === "ExternalSecret");
      assert.equal(external?.metadata?.name, "ticketing-credentials");
      assert.deepEqual(external?.spec?.target, { name: "ticketing-credentials", creationPolicy: "Owner" });
      assert.deepEqual(external?.spec?.secretStoreRef, { name: "aws-secrets-manager", kind: "ClusterSecretStore" });

      const pod = (manifests.find((m) => m.kind === "Deployment")?.spec?.template as { spec: Record<string, unknown> }).spec;
      const [container] = pod.containers as Container[];
      assert.ok(container);
      assert.deepEqual(container.envFrom, [{ secretRef: { name: "ticketing-credentials" } }]);
      const secretsDir = container.env.find((e) => e.name === "SLUICE_SECRETS_DIR")?.value;
      const mount = container.volumeMounts.find((m) => m.mountPath === secretsDir);
      assert.equal(mount?.readOnly, true);
      const volume = (pod.volumes as { name: string; secret?: { secretName: string } }[]).find((v) => v.name === mount?.name);
      assert.equal(volume?.secret?.secretName, "ticketing-credentials");

      // The pod as Kubernetes would start it: the Secret's keys as files in the mount, and as environment
      // variables; ServiceNow's credentials only as files, to show the mount alone suffices.
      const secret: Record<string, string> = {
        ...env,
        SERVICENOW_USERNAME: "sluice-integration",
        SERVICENOW_PASSWORD: "snow-password",
      };
      const mounted = mkdtempSync(join(tmpdir(), "helm-secret-"));
      for (const [key, value] of Object.entries(secret)) writeFileSync(join(mounted, key), value);
      const configMap = manifests.find((m) => m.kind === "ConfigMap");
      const { config, warnings } = parseConfig(
        parse(configMap?.data?.["config.yaml"] ?? ""),
        { ...env, SLUICE_SECRETS_DIR: mounted },
        process.cwd(),
        "rendered",
      );
      assert.deepEqual(warnings, []);
      assert.equal(config.anomaly.minimumScore, 0.85);
      assert.equal((config.platforms.pagerduty as { routingKey: string }).routingKey, env.PAGERDUTY_ROUTING_KEY);
      assert.equal((config.platforms.jira as { projectKey: string }).projectKey, "SRE");
      const servicenow = config.platforms.servicenow as { instance: string; username: string; password: string };
      assert.deepEqual(
        [servicenow.instance, servicenow.username, servicenow.password],
        ["yourorg", "sluice-integration", "snow-password"],
      );
    });

    it("refuses an ExternalSecret with no store to read from", () => {
      const result = spawnSync(helm, ["template", "sluice", chartDir, "--set", "externalSecret.enabled=true"], {
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.notEqual(result.status, 0);
      assert.match(result.stderr, /externalSecret\.secretStoreRef\.name/);
    });

    it("adds extra volumes and mounts, e.g. a Backstage catalog from another ConfigMap", () => {
      const manifests = render(
        "--set-json",
        'extraVolumes=[{"name":"backstage","configMap":{"name":"backstage-catalog"}}]',
        "--set-json",
        'extraVolumeMounts=[{"name":"backstage","mountPath":"/etc/backstage"}]',
      );
      const pod = (manifests.find((m) => m.kind === "Deployment")?.spec?.template as { spec: Record<string, unknown> }).spec;
      const volumes = pod.volumes as { name: string }[];
      const mounts = (pod.containers as { volumeMounts: { name: string; mountPath: string }[] }[])[0]?.volumeMounts ?? [];
      assert.ok(volumes.some((v) => v.name === "backstage"));
      assert.ok(mounts.some((m) => m.name === "backstage" && m.mountPath === "/etc/backstage"));
      assert.ok(
        mounts.some((m) => m.name === "config"),
        "the defaults stay",
      );
    });
  });
}
