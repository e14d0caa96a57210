package org.quantrace.engine.evaluate.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.Progress;
import org.quantrace.engine.data.Batch;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.DatasetSpec;
import org.quantrace.engine.data.Datasets;
import org.quantrace.engine.data.ModelInputs;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.evaluate.DebugReport;
import org.quantrace.engine.evaluate.EvaluationOptions;
import org.quantrace.engine.evaluate.EvaluationReport;
import org.quantrace.engine.evaluate.Evaluator;
import org.quantrace.engine.evaluate.Metrics;
import org.quantrace.engine.evaluate.QuantizationDebugger;
import org.quantrace.engine.evaluate.Variant;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.model.recipe.DebugMetric;
import org.quantrace.testing.TestData;

/**
 * Models of several inputs (tests/data/multiin, made by tests/data/wild/make_multiin.py): a BERT-style classifier fed input_ids and
 * attention_mask (int64) and a two-stream model fed an image and a feature vector (float), each with an .npz whose arrays are named
 * as the inputs. On main every such model was refused ("the model has 2 inputs; datasets feed models with one input").
 */
class MultiInputTest {

	private static final Path DIR = TestData.data("multiin");
	private final Path dir = TestData.tempDir("multiin");

	private static Dataset open(String file) {
		return Datasets.open(DatasetSpec.of(DIR.resolve(file), null));
	}

	/** The accuracy of torch's own predictions (saved by the generator), a client that shares no code with Quantrace. */
	private static double torchAccuracy(String model, Dataset test) {
		float[] torch = NpyArray.open(DIR.resolve(model + "-torch.npy")).read().toFloats();
		int[] truth = test.read(0, test.size()).labels().classes();
		int right = 0;
		for (int i = 0; i < truth.length; i++) {
			right += torch[i] == truth[i] ? 1 : 0;
		}
		return right / (double) truth.length;
	}

	/**
	 * fp32 through ONNX Runtime agrees with torch (within one sample of the test set) and fiq-int8, calibrated on the calibration
	 * .npz (every input fed, the int64 ids and mask as they are, the float image and features given their scales), stays within
	 * 0.5 pt of fp32.
	 */
	private static void fp32IsTorchsAndInt8StaysClose(String model) {
		OnnxModel fp32 = OnnxModel.load(DIR.resolve(model + ".onnx"));
		Dataset test = open(model + "-test.npz");
		OnnxModel int8 = Quantizer.quantize(fp32, model, Schemes.preset("fiq_int8"), open(model + "-calib.npz"), Progress.NONE).model();
		EvaluationReport r = Evaluator.evaluate(List.of(Variant.of("fp32", fp32), Variant.of("int8", int8)), test, EvaluationOptions.defaults(),
				Progress.NONE);
		double f = r.variant("fp32").metrics().get(Metrics.ACCURACY);
		double q = r.variant("int8").metrics().get(Metrics.ACCURACY);
		assertEquals(torchAccuracy(model, test), f, 1.0 / test.size() + 1e-9, model + ": fp32 through ONNX Runtime against torch");
		assertTrue(f > 0.7, model + " learnt the task: " + f);
		assertTrue(q >= f - 0.005, model + ": fiq-int8 " + q + " against fp32 " + f);
	}

	@Test
	void bertWithIdsAndMaskIsQuantizedAndEvaluated() {
		fp32IsTorchsAndInt8StaysClose("bert2in");
	}

	@Test
	void twoStreamModelIsQuantizedAndEvaluated() {
		OnnxModel int8 = Quantizer.quantize(OnnxModel.load(DIR.resolve("twostream.onnx")), "twostream", Schemes.preset("fiq_int8"),
				open("twostream-calib.npz"), Progress.NONE).model();
		assertEquals(2, int8.graph().runtimeInputs().size());
		fp32IsTorchsAndInt8StaysClose("twostream");
	}

	/** The mask is an input the model reads: hiding every token but the first changes the predictions, so the mask fed is the data's. */
	@Test
	void theMaskFedIsTheData() throws IOException {
		Dataset test = open("bert2in-test.npz");
		Batch all = test.read(0, test.size());
		long[] mask = ((long[]) all.named().get("attention_mask").data()).clone();
		for (int i = 0; i < mask.length; i++) {
			mask[i] = i % 49 == 0 ? 1 : 0;
		}
		Path hidden = npz("hidden.npz", Map.of("input_ids", all.named().get("input_ids"), "attention_mask",
				NdArray.ofLongs(all.named().get("attention_mask").shape(), mask), "y", labels(all)));
		OnnxModel bert = OnnxModel.load(DIR.resolve("bert2in.onnx"));
		double given = Evaluator.evaluate(List.of(Variant.of("m", bert)), test, EvaluationOptions.defaults(), Progress.NONE).variant("m").metrics()
				.get(Metrics.ACCURACY);
		double masked = Evaluator.evaluate(List.of(Variant.of("m", bert)), Datasets.open(DatasetSpec.of(hidden, null)), EvaluationOptions.defaults(),
				Progress.NONE).variant("m").metrics().get(Metrics.ACCURACY);
		assertTrue(masked < given - 0.2, "hiding the tokens must cost accuracy: " + given + " -> " + masked);
	}

	@Test
	void debuggerFeedsEveryInput() {
		OnnxModel fp32 = OnnxModel.load(DIR.resolve("twostream.onnx"));
		Dataset calib = open("twostream-calib.npz");
		OnnxModel int8 = Quantizer.quantize(fp32, "twostream", Schemes.preset("fiq_int8"), calib, Progress.NONE).model();
		DebugReport r = QuantizationDebugger.debug(fp32, "twostream", int8, "fiq_int8", calib, 64, DebugMetric.RMSE_OVER_SCALE, 0.5, Progress.NONE);
		assertTrue(r.tensors().stream().anyMatch(t -> t.tensor().equals("feats")), "the feature input's own quantization is debugged");
		assertTrue(r.tensors().get(r.tensors().size() - 1).accumulated().cosineSimilarity() > 0.99);
	}

	/**
	 * The labels of an .npz of inputs from a label file (--labels y.npy, a recipe's labels): read, the same accuracy as the
	 * archive's own y; both at once are refused. On main the label file of an .npz was not read, without a word.
	 */
	@Test
	void labelsFromALabelFileAreRead() throws IOException {
		Dataset test = open("bert2in-test.npz").limit(200);
		Batch all = test.read(0, 200);
		Path inputs = npz("inputs.npz", ordered("input_ids", all.named().get("input_ids"), "attention_mask", all.named().get("attention_mask")));
		Path labels = dir.resolve("y.npy");
		NpyArray.write(labels, labels(all));
		OnnxModel bert = OnnxModel.load(DIR.resolve("bert2in.onnx"));
		Dataset withFile = Datasets.open(DatasetSpec.of(inputs, labels));
		assertEquals(List.of(inputs.getFileName(), labels.getFileName()), withFile.files());
		double archive = Evaluator.evaluate(List.of(Variant.of("m", bert)), test, EvaluationOptions.defaults(), Progress.NONE).variant("m").metrics()
				.get(Metrics.ACCURACY);
		double file = Evaluator.evaluate(List.of(Variant.of("m", bert)), withFile, EvaluationOptions.defaults(), Progress.NONE).variant("m").metrics()
				.get(Metrics.ACCURACY);
		assertEquals(archive, file, 0);
		InvalidInputException twice = assertThrows(InvalidInputException.class, () -> Datasets.open(DatasetSpec.of(DIR.resolve("bert2in-test.npz"), labels)));
		assertTrue(twice.getMessage().contains("the archive holds labels ('y') and a label file is given"), twice.getMessage());
	}

	// each rule of an .npz against a model of several inputs: refused before anything runs, naming the arrays and the inputs

	private Batch bert() {
		Dataset test = open("bert2in-test.npz").limit(20);
		return test.read(0, 20);
	}

	private static NdArray labels(Batch b) {
		return NdArray.ofInts(new long[] { b.size() }, b.labels().classes());
	}

	private InvalidInputException refusal(Map<String, NdArray> arrays) throws IOException {
		Path file = npz("rule.npz", arrays);
		OnnxModel model = OnnxModel.load(DIR.resolve("bert2in.onnx"));
		return assertThrows(InvalidInputException.class, () -> ModelInputs.of(model, "bert2in.onnx", Datasets.open(DatasetSpec.of(file, null))));
	}

	@Test
	void anInputWithoutArrayIsRefused() throws IOException {
		Batch b = bert();
		InvalidInputException e = refusal(ordered("input_ids", b.named().get("input_ids"), "mask", b.named().get("attention_mask"), "y", labels(b)));
		assertTrue(e.getMessage().contains("no array for input 'attention_mask'") && e.getMessage().contains("arrays: input_ids [20, 49] int64, mask [20, 49] int64")
				&& e.getMessage().contains("inputs of bert2in.onnx: input_ids [N, 49], attention_mask [N, 49]"), e.getMessage());
		assertTrue(e.hint().contains("numpy.savez(file, input_ids=..., attention_mask=..., y=labels)"), e.hint());
	}

	@Test
	void anArrayThatFitsNoInputIsRefused() throws IOException {
		Batch b = bert();
		InvalidInputException e = refusal(ordered("input_ids", b.named().get("input_ids"), "attention_mask", b.named().get("attention_mask"),
				"token_type_ids", b.named().get("attention_mask"), "y", labels(b)));
		assertTrue(e.getMessage().contains("array 'token_type_ids' fits no input"), e.getMessage());
	}

	@Test
	void arraysOfDifferentSampleCountsAreRefused() throws IOException {
		Batch b = bert();
		InvalidInputException e = refusal(ordered("input_ids", b.named().get("input_ids"), "attention_mask", b.named().get("attention_mask").rows(0, 15),
				"y", labels(b)));
		assertTrue(e.getMessage().contains("the arrays count different numbers of samples") && e.getMessage().contains("attention_mask [15, 49]"),
				e.getMessage());
	}

	/**
	 * The first array shorter than the others and the labels (a filtered input_ids beside the whole mask and y): refused as
	 * "20 labels for 15 samples in rule.npz:input_ids", which sent the user to the labels, which were right. The arrays are named.
	 */
	@Test
	void aShortFirstArrayIsNamedNotTheLabels() throws IOException {
		Batch b = bert();
		InvalidInputException e = refusal(ordered("input_ids", b.named().get("input_ids").rows(0, 15), "attention_mask", b.named().get("attention_mask"),
				"y", labels(b)));
		assertTrue(e.getMessage().endsWith("rule.npz: the arrays count different numbers of samples (first axis): input_ids [15, 49], attention_mask [20, 49];"
				+ " labels y [20]"), e.getMessage());
		assertTrue(e.hint().startsWith("give every array the same first axis"), e.hint());
	}

	@Test
	void anArrayOfAnotherShapeIsRefused() throws IOException {
		Batch b = bert();
		NdArray short48 = NdArray.ofLongs(new long[] { 20, 48 }, java.util.Arrays.copyOf((long[]) b.named().get("attention_mask").data(), 20 * 48));
		InvalidInputException e = refusal(ordered("input_ids", b.named().get("input_ids"), "attention_mask", short48, "y", labels(b)));
		assertTrue(e.getMessage().contains("rule.npz:attention_mask: samples of shape [48] do not fit input 'attention_mask' [N, 49]"), e.getMessage());
	}

	@Test
	void anArrayOfAnotherTypeIsRefused() throws IOException {
		Batch b = bert();
		InvalidInputException e = refusal(ordered("input_ids", b.named().get("input_ids"), "attention_mask",
				NdArray.ofFloats(new long[] { 20, 49 }, b.named().get("attention_mask").toFloats()), "y", labels(b)));
		assertTrue(e.getMessage().contains("rule.npz:attention_mask: the array is float32 but input 'attention_mask' of bert2in.onnx is int64"), e.getMessage());
		assertTrue(e.hint().contains("attention_mask.astype(np.int64)"), e.hint());
	}

	@Test
	void oneArrayForSeveralInputsSaysHowToGiveSeveral() throws IOException {
		Batch b = bert();
		NpyArray.write(dir.resolve("ids.npy"), b.named().get("input_ids"));
		OnnxModel model = OnnxModel.load(DIR.resolve("bert2in.onnx"));
		InvalidInputException e = assertThrows(InvalidInputException.class,
				() -> ModelInputs.of(model, "bert2in.onnx", Datasets.open(DatasetSpec.of(dir.resolve("ids.npy"), null))));
		assertTrue(e.getMessage().contains("the model has 2 inputs (input_ids, attention_mask) and") && e.getMessage().contains("gives one array"),
				e.getMessage());
		assertTrue(e.hint().contains("in an .npz: numpy.savez(file, input_ids=..., attention_mask=..., y=labels)"), e.hint());
	}

	/** A model of one input reads an .npz of several arrays as before: its first input array (the ids of a text CNN, say). */
	@Test
	void aModelOfOneInputKeepsReadingTheFirstArray() {
		Dataset data = open("bert2in-test.npz");
		assertEquals(DataType.INT64, data.read(0, 2).inputs().type());
		assertEquals(List.of(49L), java.util.Arrays.stream(data.sampleShape()).boxed().toList());
		assertEquals(List.of("input_ids", "attention_mask"), data.namedInputs().stream().map(a -> a.name()).toList());
	}

	/**
	 * The KV-cache decoder's past_key and past_value both declare [N, 4, P, 8]: 7 positions of keys beside 6 of values fit each input
	 * alone, not the model (its attention multiplies the one by the other), and are refused before anything runs, the arrays and
	 * the dimension named. On main the check passed them and quantize and evaluate stopped inside ONNX Runtime, exit 3.
	 */
	@Test
	void arraysThatDisagreeOnADimensionTheirInputsShareAreRefused() throws IOException {
		Path six = org.quantrace.testing.KvData.withPastValuePositions(dir.resolve("kv-p6.npz"), 6);
		OnnxModel kv = OnnxModel.load(DIR.resolve("kv.onnx"));
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> ModelInputs.of(kv, "kv.onnx", Datasets.open(DatasetSpec.of(six, null))));
		assertTrue(e.getMessage().contains("kv-p6.npz:past_value: the array [32, 4, 6, 8] gives dimension 'P' of input 'past_value' [N, 4, P, 8] the size 6,"
				+ " but array 'past_key' [32, 4, 7, 8] gives it 7"), e.getMessage());
		assertTrue(e.hint().contains("past_value.shape[2] == past_key.shape[2]"), e.hint());
		assertEquals(3, ModelInputs.of(kv, "kv.onnx", open("kv-32.npz")).inputs().size(), "the arrays as generated fit");
	}

	/**
	 * A model of one input fed an .npz that keeps another array beside its input's: refused as an array that fits no input of a model
	 * of several is. On main the first array was fed whatever its name, and the trace and logs recorded every array's type as the
	 * data's preprocessing, the arrays the model never read among them.
	 */
	@Test
	void anArrayBesideTheInputOfAModelOfOneInputIsRefused() throws IOException {
		Batch images = Datasets.open(DatasetSpec.of(org.quantrace.testing.Zoo.calibrationImages(), org.quantrace.testing.Zoo.calibrationLabels())).read(0, 16);
		Path file = npz("extra.npz", ordered("input", images.inputs(), "mask", NdArray.ofFloats(new long[] { 16, 4 }, new float[64]), "y", labels(images)));
		OnnxModel resnet = OnnxModel.load(org.quantrace.testing.Zoo.model("resnet").onnx());
		Dataset data = Datasets.open(DatasetSpec.of(file, null));
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> ModelInputs.of(resnet, "resnet.onnx", data));
		assertTrue(e.getMessage().contains("extra.npz: array 'mask' fits no input (arrays: input [16, 1, 28, 28] float32, mask [16, 4] float32; the input of"
				+ " resnet.onnx: input [N, 1, 28, 28])"), e.getMessage());
		assertTrue(e.hint().contains("keep the one array the model reads, and the labels: numpy.savez(file, input=..., y=labels)"), e.hint());
		assertThrows(InvalidInputException.class, () -> Evaluator.evaluate(List.of(Variant.of("m", resnet)), data, EvaluationOptions.defaults(), Progress.NONE));
	}

	/**
	 * The KV-cache decoder (three inputs: int64 ids, float past key and value) quantized fiq-int8 and evaluated by its logits against
	 * the original's (mse, psnr over range 2): close to it, and each variant's result states what each input is fed. It stated the
	 * first input's type alone, and "float32" for any input not quantized: "float32" for both variants, whose ids are int64 and whose
	 * int8 model reads int8 caches. The classifier's ids and mask likewise.
	 */
	@Test
	void aDecoderOfThreeInputsIsEvaluatedByItsOutputsAndEachInputsFeedIsStated() {
		OnnxModel fp32 = OnnxModel.load(DIR.resolve("kv.onnx"));
		Dataset data = open("kv-32.npz");
		OnnxModel int8 = Quantizer.quantize(fp32, "kv", Schemes.preset("fiq_int8"), data, Progress.NONE).model();
		EvaluationReport r = Evaluator.evaluate(List.of(Variant.of("fp32", fp32), Variant.of("int8", int8)), data,
				EvaluationOptions.defaults().withTask(EvaluationOptions.Task.RECONSTRUCTION).withDataRange(2).withPsnr(true), Progress.NONE);
		double mse = r.variant("int8").metrics().get(Metrics.MSE);
		assertTrue(mse > 0 && mse < 1e-3, "fiq-int8's logits against fp32's: mse " + mse);
		assertTrue(r.variant("int8").metrics().get(Metrics.psnr(2)) > 30, r.variant("int8").metrics().toString());
		assertEquals("input_ids INT64, past_key float32, past_value float32", r.variant("fp32").input());
		assertEquals("input_ids INT64, past_key INT8, past_value INT8", r.variant("int8").input());
		EvaluationReport bert = Evaluator.evaluate(List.of(Variant.of("fp32", OnnxModel.load(DIR.resolve("bert2in.onnx")))), open("bert2in-test.npz").limit(64),
				EvaluationOptions.defaults(), Progress.NONE);
		assertEquals("input_ids INT64, attention_mask INT64", bert.variant("fp32").input());
	}

	/**
	 * The decoder as another tool may write it: its logits dequantized in the graph (a float first output), its caches left as int8
	 * codes after them. Measured as the same model with integer logits: the same mse. The evaluation took the first integer output's
	 * scale and zero point for the first output's and "dequantized" the float logits with the present key's.
	 */
	@Test
	void aFloatFirstOutputIsNotDequantizedWithALaterIntegerOutputsScale() {
		OnnxModel fp32 = OnnxModel.load(DIR.resolve("kv.onnx"));
		Dataset data = open("kv-32.npz");
		OnnxModel int8 = Quantizer.quantize(fp32, "kv", Schemes.preset("fiq_int8"), data, Progress.NONE).model();
		ai.onnx.proto.OnnxMl.ModelProto.Builder b = int8.toProto().toBuilder();
		ai.onnx.proto.OnnxMl.GraphProto.Builder g = b.getGraphBuilder();
		ai.onnx.proto.OnnxMl.NodeProto q = g.getNodeList().stream().filter(n -> n.getOutputList().contains("logits")).findFirst().orElseThrow();
		g.addNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("DequantizeLinear").setName("logits_dq").addInput("logits").addInput(q.getInput(1))
				.addInput(q.getInput(2)).addOutput("logits_real"));
		ai.onnx.proto.OnnxMl.ValueInfoProto.Builder out = g.getOutput(0).toBuilder().setName("logits_real");
		out.getTypeBuilder().getTensorTypeBuilder().setElemType(DataType.FLOAT.code());
		g.setOutput(0, out);
		OnnxModel mixed = OnnxModel.of(b.build());
		assertEquals(List.of("present_key", "present_value"), List.copyOf(org.quantrace.engine.onnx.IoQuantization.outputs(mixed).keySet()), "the premise");
		EvaluationReport r = Evaluator.evaluate(List.of(Variant.of("fp32", fp32), Variant.of("int8", int8), Variant.of("mixed", mixed)), data,
				EvaluationOptions.defaults().withTask(EvaluationOptions.Task.RECONSTRUCTION).withDataRange(2), Progress.NONE);
		assertEquals(r.variant("int8").metrics().get(Metrics.MSE), r.variant("mixed").metrics().get(Metrics.MSE), 1e-12);
	}

	private static Map<String, NdArray> ordered(Object... nameThenArray) {
		Map<String, NdArray> m = new LinkedHashMap<>();
		for (int i = 0; i < nameThenArray.length; i += 2) {
			m.put((String) nameThenArray[i], (NdArray) nameThenArray[i + 1]);
		}
		return m;
	}

	/** An .npz as numpy.savez writes it: one .npy entry per array, in the given order. */
	private Path npz(String name, Map<String, NdArray> arrays) throws IOException {
		Path file = dir.resolve(name);
		try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
			for (Map.Entry<String, NdArray> e : (arrays instanceof LinkedHashMap ? arrays : new java.util.TreeMap<>(arrays)).entrySet()) {
				Path npy = dir.resolve(e.getKey() + ".npy");
				NpyArray.write(npy, e.getValue());
				zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
				zip.write(Files.readAllBytes(npy));
				zip.closeEntry();
			}
		}
		return file;
	}
}
