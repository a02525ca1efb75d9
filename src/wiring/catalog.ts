import { CatalogSource } from "../catalog/catalog-source.ts";
import type { Base } from "./base.ts";
import type { Module } from "./module.ts";

export interface CatalogWiring {
  /** The service catalog (src/catalog, docs/catalog.md), when `catalog` is configured: owners for routing and enrichment. */
  catalog: CatalogSource | null;
  module: Module;
}

export function wireCatalog({ config, logger, destinations }: Base): CatalogWiring {
  const catalog = config.catalog
    ? new CatalogSource({
        settings: config.catalog,
        reloadIntervalMs: config.catalog.reloadInterval,
        logger: logger.child({ component: "catalog" }),
        destinations,
      })
    : null;
  return {
    catalog,
    module: { name: "catalog", start: () => catalog?.start(), shutdown: () => catalog?.shutdown() },
  };
}
