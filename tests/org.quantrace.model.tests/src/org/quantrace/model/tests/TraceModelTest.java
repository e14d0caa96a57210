package org.quantrace.model.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Date;
import java.util.List;

import org.eclipse.emf.ecore.util.EcoreUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantrace.model.QuantraceModel;
import org.quantrace.model.recipe.CalibrationMethod;
import org.quantrace.model.recipe.DatasetRole;
import org.quantrace.model.recipe.Granularity;
import org.quantrace.model.recipe.Precision;
import org.quantrace.model.recipe.QuantizationScheme;
import org.quantrace.model.recipe.QuantizationTechnique;
import org.quantrace.model.recipe.RecipeFactory;
import org.quantrace.model.trace.ArtifactKind;
import org.quantrace.model.trace.CalibrationRecord;
import org.quantrace.model.trace.DatasetRecord;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.LinkKind;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.QuantizationRecord;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TraceFactory;
import org.quantrace.model.trace.TraceLink;
import org.quantrace.model.trace.TraceModel;

/** Trace models survive an XMI round trip, links included, and the recipe defaults are the documented ones. */
class TraceModelTest {

	private static final TraceFactory F = TraceFactory.eINSTANCE;

	@Test
	void aTraceWithRecordsAndLinksRoundTripsThroughXmi(@TempDir Path dir) throws IOException {
		TraceModel trace = F.createTraceModel();
		trace.setRunId("run-1");
		trace.setRunTime(new Date(1_700_000_000_000L));
		ModelArtifact original = artifact("m-original", ArtifactKind.ORIGINAL);
		ModelArtifact quantized = artifact("m-fiq-int8", ArtifactKind.QUANTIZED);
		DatasetRecord calibration = F.createDatasetRecord();
		calibration.setId("d-calibration");
		calibration.setRole(DatasetRole.CALIBRATION);
		calibration.setSampleCount(300);

		OptimizationRecord optimization = F.createOptimizationRecord();
		optimization.setId("OPT-1");
		optimization.setInput(original);
		optimization.setOutput(quantized);
		QuantizationRecord q = F.createQuantizationRecord();
		q.setTechnique(QuantizationTechnique.FULL_INTEGER);
		q.setWeightPrecision(Precision.INT8);
		q.setWeightScheme(QuantizationScheme.SYMMETRIC);
		q.setWeightGranularity(Granularity.PER_CHANNEL);
		CalibrationRecord c = F.createCalibrationRecord();
		c.setMethod(CalibrationMethod.PERCENTILE);
		c.setDataset(calibration);
		q.setCalibration(c);
		TensorQuantizationRecord t = F.createTensorQuantizationRecord();
		t.setTensor("conv1.weight");
		t.getScales().addAll(List.of(0.0123, 0.0456));
		t.getZeroPoints().addAll(List.of(0L, 0L));
		q.getTensors().add(t);
		optimization.setQuantization(q);

		EvaluationRecord evaluation = F.createEvaluationRecord();
		evaluation.setId("E-1");
		evaluation.setModel(quantized);
		evaluation.setDataset(calibration);

		trace.getArtifacts().addAll(List.of(original, quantized));
		trace.getDatasets().add(calibration);
		trace.getOptimizations().add(optimization);
		trace.getEvaluations().add(evaluation);
		trace.getLinks().add(link(LinkKind.DERIVED_FROM, quantized, original));
		trace.getLinks().add(link(LinkKind.CALIBRATED_WITH, quantized, calibration));
		trace.getLinks().add(link(LinkKind.EVALUATED_ON, evaluation, calibration));

		Path file = dir.resolve("trace.xmi");
		QuantraceModel.save(trace, file);
		String xml = Files.readString(file);
		assertTrue(xml.contains("source=\"m-fiq-int8\""), "links refer to elements by id:\n" + xml);

		TraceModel loaded = QuantraceModel.loadTrace(file);
		assertTrue(EcoreUtil.equals(trace, loaded), "the reloaded trace equals the saved one");
		TraceLink calibratedWith = loaded.getLinks().get(1);
		assertSame(loaded.getDatasets().get(0), calibratedWith.getTarget());
		assertEquals(List.of(0.0123, 0.0456), ((OptimizationRecord) loaded.getOptimizations().get(0)).getQuantization().getTensors().get(0).getScales());
	}

	@Test
	void loadingSomethingElseThanATraceSaysSo(@TempDir Path dir) throws IOException {
		Path file = dir.resolve("not-a-trace.xmi");
		Files.writeString(file, "<?xml version=\"1.0\"?><xmi:XMI xmlns:xmi=\"http://www.omg.org/XMI\" xmi:version=\"2.0\"/>");
		assertThrows(IOException.class, () -> QuantraceModel.loadTrace(file));
	}

	@Test
	void recipeDefaultsAreTheDocumentedOnes() {
		var calibration = RecipeFactory.eINSTANCE.createCalibration();
		assertEquals(99.99, calibration.getPercentile());
		assertEquals(2048, calibration.getBins());
		assertEquals(32, calibration.getBatchSize());
		var quantization = RecipeFactory.eINSTANCE.createQuantizationConfig();
		assertTrue(!quantization.isSetTechnique() && !quantization.isSetIo(), "unset options inherit from the base scheme");
	}

	private static ModelArtifact artifact(String id, ArtifactKind kind) {
		ModelArtifact a = F.createModelArtifact();
		a.setId(id);
		a.setKind(kind);
		a.setSha256("0".repeat(64));
		return a;
	}

	private static TraceLink link(LinkKind kind, org.quantrace.model.trace.TracedElement source, org.quantrace.model.trace.TracedElement target) {
		TraceLink l = F.createTraceLink();
		l.setKind(kind);
		l.setSource(source);
		l.setTarget(target);
		return l;
	}
}
