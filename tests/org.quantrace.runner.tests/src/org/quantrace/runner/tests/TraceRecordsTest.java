package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.evaluate.EvaluationOptions;
import org.quantrace.engine.evaluate.EvaluationReport;
import org.quantrace.engine.evaluate.Evaluator;
import org.quantrace.engine.evaluate.Variant;
import org.quantrace.engine.factorize.FactorizationResult;
import org.quantrace.engine.factorize.FactorizationSpec;
import org.quantrace.engine.factorize.Factorizer;
import org.quantrace.engine.prune.Pruner;
import org.quantrace.engine.prune.PruningResult;
import org.quantrace.engine.prune.PruningSpec;
import org.quantrace.model.recipe.FactorizationTarget;
import org.quantrace.model.recipe.PruningPattern;
import org.quantrace.model.recipe.RankSelection;
import org.quantrace.model.recipe.ThresholdScope;
import org.quantrace.model.trace.ConversionRecord;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.FactorizationRecord;
import org.quantrace.model.trace.PruningRecord;
import org.quantrace.runner.ConversionRecords;
import org.quantrace.runner.EvaluationRecords;
import org.quantrace.runner.FactorizationRecords;
import org.quantrace.runner.PruningRecords;

/** The runner turns each engine result into its trace record (quantization: QuantizationRecordTest). */
class TraceRecordsTest {

	@Test
	void conversionRecordHoldsEliminationsConverterAndVerification() {
		FreezeResult r = Freezer.freeze(Records.TRAINED, "fashion_cnn_trained", FreezeOptions.defaults(), Records.CALIBRATION_DATA.limit(64));
		ConversionRecord record = ConversionRecords.toRecord(r, "pytorch 1.13.0");
		assertEquals(5, record.getEliminations().size());
		assertTrue(record.getConverter().startsWith("Quantrace freeze"));
		assertEquals(r.maxAbsDifference(), record.getMaxAbsDifference());
		Map<String, String> config = record.getConverterConfiguration().stream().collect(Collectors.toMap(p -> p.getKey(), p -> p.getValue()));
		assertTrue(config.get("verification").contains("64 samples of calibration (300 training images)"), config.toString());
		assertEquals(ConversionRecords.EXPORTER, record.getPackages().get(2).getName());
	}

	@Test
	void pruningRecordHoldsTargetAndLayers() {
		PruningResult r = Pruner.prune(Records.CNN, "cnn", PruningSpec.of(PruningPattern.ELEMENT, 65, ThresholdScope.GLOBAL, List.of()));
		PruningRecord record = PruningRecords.toRecord(r);
		assertEquals(65.0, record.getTargetSparsity());
		assertEquals(100 * r.achievedSparsity(), record.getAchievedSparsity(), 1e-9);
		assertEquals(r.layers().size(), record.getLayers().size());
	}

	@Test
	void factorizationRecordHoldsEveryLayer() {
		FactorizationResult r = Factorizer.factorize(Records.CNN, "cnn", new FactorizationSpec(FactorizationTarget.DENSE, RankSelection.ENERGY, 95,
				List.of()));
		FactorizationRecord record = FactorizationRecords.toRecord(r);
		assertEquals(r.layers().size(), record.getLayers().size());
		assertEquals(r.layers().get(0).rank(), record.getLayers().get(0).getRank());
	}

	@Test
	void evaluationRecordHoldsEveryMetricWithItsBaseline() {
		EvaluationReport r = Evaluator.evaluate(List.of(Variant.of("original", Records.CNN), Variant.of("fiq_int8", Records.quantize("fiq_int8").model())),
				Records.CALIBRATION_DATA, EvaluationOptions.defaults(), Progress.NONE);
		EvaluationRecord record = EvaluationRecords.toRecord(r, "fiq_int8");
		assertEquals(r.variant("fiq_int8").metrics().size(), record.getMetrics().size());
		assertEquals(r.variant("original").metrics().get(record.getMetrics().get(0).getName()), record.getMetrics().get(0).getBaselineValue(), 1e-12);
	}
}
