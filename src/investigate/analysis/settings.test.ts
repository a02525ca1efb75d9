import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SluiceError } from "../../core/errors.ts";
import { analysisSettings, DEFAULT_ANALYSIS_SETTINGS } from "./settings.ts";

describe("analysisSettings", () => {
  it("returns the defaults, frozen, when nothing is overridden", () => {
    const s = analysisSettings();
    assert.deepEqual(s, DEFAULT_ANALYSIS_SETTINGS);
    assert.ok(Object.isFrozen(s));
  });

  it("names every invalid knob", () => {
    assert.throws(
      () =>
        analysisSettings({
          threshold: 0,
          explainedFactor: 2,
          weights: { ...DEFAULT_ANALYSIS_SETTINGS.weights, change: -1 },
          kindWeights: { ...DEFAULT_ANALYSIS_SETTINGS.kindWeights, opaque: Number.NaN },
        }),
      (error: unknown) => {
        assert.ok(error instanceof SluiceError);
        assert.equal(error.code, "CONFIG_INVALID");
        assert.deepEqual(
          error.problems.map((p) => p.path),
          ["threshold", "explainedFactor", "kindWeights.opaque", "weights.change"],
        );
        return true;
      },
    );
  });
});
