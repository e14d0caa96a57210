package org.quantrace.model.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.quantrace.model.mapping.FeaturePath;
import org.quantrace.model.mapping.TemplateMapping;
import org.quantrace.model.mapping.TemplateTable;
import org.quantrace.model.recipe.RecipePackage;
import org.quantrace.model.recipe.TrainingOperation;
import org.quantrace.model.trace.ConversionRecord;
import org.quantrace.model.trace.EliminatedOperation;
import org.quantrace.model.trace.EliminationStatus;
import org.quantrace.model.trace.TraceFactory;
import org.quantrace.model.trace.TracePackage;

/** Every row of the AI-FSM log templates has a home in the trace metamodel. */
class TemplateMappingTest {

	private static String template(String file) throws IOException {
		try (InputStream in = TemplateMapping.class.getResourceAsStream("/templates/" + file)) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

	@ParameterizedTest
	@CsvSource({ "PhIMT0002, PhIMT0002-model-conversion-log.txt, 17", "PhIMT0003, PhIMT0003-model-optimization-log.txt, 28" })
	void everyTemplateRowIsMappedInTemplateOrder(String id, String file, int rows) throws IOException {
		List<String> templateLabels = TemplateTable.labels(template(file));
		List<String> mappedLabels = TemplateMapping.load().entries(id).stream().map(TemplateMapping.Entry::label).toList();
		assertEquals(rows, templateLabels.size(), "rows found in " + file + ": " + templateLabels);
		assertEquals(templateLabels, mappedLabels);
	}

	@Test
	void everyRowResolvesToFeaturesOfTheTraceMetamodel() {
		for (TemplateMapping.Entry e : TemplateMapping.load().entries()) {
			if (e.section()) {
				assertTrue(e.paths().isEmpty(), e.label());
				continue;
			}
			assertFalse(e.paths().isEmpty(), "row without features: " + e.label());
			for (FeaturePath p : e.paths()) {
				assertTrue(TracePackage.eINSTANCE.getEClassifiers().contains(p.start()), p + " does not start at a trace class");
				String record = e.template().equals(TemplateMapping.CONVERSION_LOG) ? "ConversionRecord" : "OptimizationRecord";
				assertEquals(record, p.start().getName(), p.text());
			}
		}
	}

	@Test
	void theDropoutRowReadsOnlyTheDropoutElimination() {
		TraceFactory f = TraceFactory.eINSTANCE;
		ConversionRecord record = f.createConversionRecord();
		EliminatedOperation dropout = f.createEliminatedOperation();
		dropout.setOperation(TrainingOperation.DROPOUT);
		dropout.setStatus(EliminationStatus.REMOVED);
		dropout.getNodes().add("/classifier/Dropout");
		EliminatedOperation bn = f.createEliminatedOperation();
		bn.setOperation(TrainingOperation.BATCH_NORMALIZATION);
		bn.setStatus(EliminationStatus.NOT_PRESENT);
		record.getEliminations().addAll(List.of(bn, dropout));

		TemplateMapping.Entry row = TemplateMapping.load().entries(TemplateMapping.CONVERSION_LOG).stream()
				.filter(e -> e.label().equals("Dropout")).findFirst().orElseThrow();
		assertEquals(List.of(EliminationStatus.REMOVED), row.paths().get(0).evaluate(record));
		assertEquals(List.of("/classifier/Dropout"), row.paths().get(1).evaluate(record));
	}

	@Test
	void aPathThatDoesNotResolveIsReportedWithItsLine() {
		String text = "# header\nPhIMT0002\trow\t\tDate\tConversionRecord.dat\n";
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TemplateMapping.parse(text));
		assertTrue(e.getMessage().contains(":2:") && e.getMessage().contains("no feature 'dat'"), e.getMessage());
		assertThrows(IllegalArgumentException.class,
				() -> FeaturePath.resolve("ConversionRecord.eliminations[operation=dropuot].status", TracePackage.eINSTANCE, RecipePackage.eINSTANCE));
	}
}
