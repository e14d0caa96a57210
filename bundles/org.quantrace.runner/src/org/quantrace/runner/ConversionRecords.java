package org.quantrace.runner;

import static org.quantrace.model.TraceValues.parameter;
import static org.quantrace.model.TraceValues.tool;

import java.util.List;

import org.quantrace.engine.Versions;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.model.trace.ConversionRecord;
import org.quantrace.model.trace.EliminatedOperation;
import org.quantrace.model.trace.Parameter;
import org.quantrace.model.trace.TraceFactory;

/**
 * The parts of a PhIMT0002 conversion record that the conversion itself knows: eliminations, training
 * artifacts, removed nodes, converter and its configuration, tools, and the verification result. The
 * runner adds ids, date, responsible, environment and the artifacts.
 */
public final class ConversionRecords {

	/**
	 * The Packages row's names of the two versions a verified model has, which read as a contradiction when unnamed ("pytorch
	 * 1.13.0" beside "PyTorch 1.13.1"): the exporter its file names, and the training framework the recipe declares.
	 */
	public static final String EXPORTER = "exporter that wrote the verified model's file (its producer_name and producer_version):";

	public static final String FRAMEWORK = "training framework the recipe declares for the verified model:";

	private static final TraceFactory F = TraceFactory.eINSTANCE;

	private ConversionRecords() {
	}

	/**
	 * One PhIMT0002 elimination as the trace records it; the log row and {@code convert}'s console line both read it through
	 * {@code LogValues.elimination}, so the two say the same words.
	 */
	public static EliminatedOperation elimination(FreezeResult.Elimination e) {
		EliminatedOperation o = F.createEliminatedOperation();
		o.setOperation(e.operation());
		o.setStatus(e.status());
		o.getNodes().addAll(e.nodes());
		o.setDetails(e.details());
		return o;
	}

	/**
	 * The converter configuration rows the options make (eliminate, fold constants, target opset), PhIMT0002's "Converter
	 * configuration": one function for the run that records them and for verify, which makes them again from the recipe's
	 * convert step ({@code RecipeDeclarationsCheck}).
	 */
	public static List<Parameter> configuration(FreezeOptions o) {
		return List.of(parameter("eliminate", o.eliminate().toString()), parameter("fold constants", Boolean.toString(o.foldConstants())),
				parameter("target opset", o.targetOpset() == 0 ? "unchanged" : Integer.toString(o.targetOpset())));
	}

	public static ConversionRecord toRecord(FreezeResult r, String producerOfInput) {
		ConversionRecord c = F.createConversionRecord();
		for (FreezeResult.Elimination e : r.eliminations().values()) {
			c.getEliminations().add(elimination(e));
		}
		c.getTrainingArtifacts().addAll(r.trainingArtifacts());
		c.getRemovedNodes().addAll(r.removedNodes());
		// at the same index as its node: Appendix A states it, verify checks it against the two files
		r.removedNodes().forEach(n -> c.getRemovedNodeReasons().add(r.removalReasons().containsKey(n) ? r.removalReasons().get(n).code() : ""));
		c.setFoldedConstants(r.foldedConstants());
		r.rewrites().forEach(w -> c.getRewrites().add(parameter(w.kind(), w.description())));
		c.setMaxAbsDifference(r.maxAbsDifference());
		c.setConverter("Quantrace freeze (org.quantrace.engine.convert " + Versions.of(Freezer.class)
				+ "): ONNX-to-ONNX graph rewriting, constant folding evaluated by ONNX Runtime");
		c.getConverterConfiguration().addAll(configuration(r.options()));
		c.getConverterConfiguration().add(parameter("verification", "max |frozen - original in inference mode| = " + r.maxAbsDifference() + " on "
				+ r.verificationSamples() + (r.verificationSamples() == 1 ? " sample of " : " samples of ") + r.verificationData()));
		c.setFramework(tool("Quantrace", Versions.quantrace()));
		c.getPackages().add(tool(TraceAssembler.ONNX_RUNTIME, InferenceSession.runtimeVersion()));
		c.getPackages().add(tool("ONNX model", "IR " + r.model().irVersion() + ", opset " + r.model().opset()));
		if (producerOfInput != null && !producerOfInput.isBlank()) {
			c.getPackages().add(tool(EXPORTER, producerOfInput));
		}
		return c;
	}
}
