package org.quantrace.design.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import org.eclipse.emf.ecore.EObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.design.QuantraceServices;
import org.quantrace.engine.Progress;
import org.quantrace.model.QuantraceModel;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.MetricValue;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.TraceLink;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.model.trace.TracedElement;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.RunOptions;
import org.quantrace.runner.Shard;
import org.quantrace.testing.TestData;

/** The viewpoint's services on the trace model the runner writes for the example recipe. */
class ViewpointServicesTest {

	private static final QuantraceServices S = new QuantraceServices();
	private static TraceModel trace;

	@BeforeAll
	static void runTheExample() throws Exception {
		Path out = TestData.tempDir("viewpoint").resolve("out");
		RecipeRunner.Outcome o = RecipeRunner.run(TestData.example("fashion_cnn.qr"), new RunOptions(out, Set.of(), Shard.ALL,
				Instant.parse("2026-11-24T12:00:00Z"), true, Progress.NONE, new PrintWriter(new StringWriter())));
		assertEquals(0, o.exitCode());
		trace = QuantraceModel.loadTrace(out.resolve("trace.xmi")); // as Sirius opens it: from the file
	}

	@Test
	void thePhasesHoldTheirElements() {
		assertEquals(List.of("calib", "eval"), names(S.dataManagement(trace)));
		assertEquals(List.of("cnn/original"), S.modelTraining(trace).stream().map(ModelArtifact::getId).toList());
		List<EObject> inference = S.inferenceManagement(trace);
		assertEquals(1 + 4 + 6, inference.size(), "the conversion, four optimizations, six models made from the original");
		assertEquals(6 + 1, S.modelVerification(trace).size(), "six evaluations and the debugger run");
		for (TraceLink l : trace.getLinks()) {
			int kinds = (S.isDerivedFrom(l) ? 1 : 0) + (S.isCalibratedWith(l) ? 1 : 0) + (S.isEvaluatedOn(l) ? 1 : 0) + (S.isVerifies(l) ? 1 : 0);
			assertEquals(1, kinds, "each link is drawn by exactly one edge mapping");
		}
		assertTrue(S.label(artifact("cnn/fiq_int8")).startsWith("cnn/fiq_int8 ("), S.label(artifact("cnn/fiq_int8")));
	}

	@Test
	void theTableShowsTheDecksCells() {
		assertEquals("accuracy", S.metricColumns(trace).get(0).getName());
		EvaluationRecord int8 = S.evaluations(trace).stream().filter(e -> e.getModel().getId().equals("cnn/fiq_int8")).findFirst().orElseThrow();
		MetricValue accuracy = int8.getMetrics().get(0);
		assertEquals("0.9080\u2193", S.metricCell(accuracy), "as in the run's report");
		assertEquals(S.metricColumns(trace).get(0), S.metricColumn(accuracy));
		assertEquals(S.evaluations(trace).size() * S.metricColumns(trace).size(), S.metricValues(trace).size(), "a cell per variant and metric");
		assertEquals("cnn / fiq_int8", S.variantLabel(int8));
	}

	@Test
	void navigationGoesFromARecordToItsModelsAndDataAndBack() {
		OptimizationRecord opt = trace.getOptimizations().stream().filter(o -> o.getScheme().equals("fiq_int8")).findFirst().orElseThrow();
		assertEquals(List.of("cnn/converted", "cnn/fiq_int8", "dataset/calib"), ids(S.relatedElements(opt)));
		List<String> back = ids(S.recordsOf(artifact("cnn/fiq_int8")));
		assertTrue(back.containsAll(List.of(opt.getId(), "cnn/fiq_int8/evaluation", "cnn/fiq_int8/debug")), back.toString());
		assertTrue(ids(S.recordsOf((TracedElement) trace.getDatasets().get(0))).contains(opt.getId()), "calibration data leads to its optimizations");
	}

	private static ModelArtifact artifact(String id) {
		return trace.getArtifacts().stream().filter(a -> a.getId().equals(id)).findFirst().orElseThrow();
	}

	private static List<String> names(List<? extends EObject> elements) {
		return elements.stream().map(e -> ((TracedElement) e).getName()).toList();
	}

	private static List<String> ids(List<? extends EObject> elements) {
		return elements.stream().map(e -> ((TracedElement) e).getId()).toList();
	}
}
