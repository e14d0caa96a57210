package org.quantrace.engine.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.testing.TestData;

/** The graph API reads real models faithfully and writes them back unchanged. */
class OnnxModelTest {

	@ParameterizedTest
	@ValueSource(strings = { "examples/fashion-mnist/model/fashion_cnn.onnx", "examples/fashion-mnist/model/fashion_cnn_trained.onnx",
			"tests/data/models/cnn_constant_weights.onnx", "tests/data/models/if_subgraph.onnx" })
	void loadingAndSavingIsByteIdentical(String relative) throws IOException {
		Path file = TestData.path(relative);
		byte[] original = Files.readAllBytes(file);
		OnnxModel model = OnnxModel.load(file);
		assertArrayEquals(original, model.toBytes(), "re-serialized " + relative + " differs from the file");
		Path copy = TestData.tempDir("roundtrip").resolve("copy.onnx");
		model.save(copy);
		assertArrayEquals(original, Files.readAllBytes(copy));
	}

	@Test
	void editsAreWrittenBack() throws IOException {
		OnnxModel model = OnnxModel.load(TestData.example("model/fashion_cnn.onnx"));
		Node relu = model.graph().nodes().stream().filter(n -> n.opType().equals("Relu")).findFirst().orElseThrow();
		relu.setName("renamed_relu");
		model.putMetadata("quantrace.test", "yes");
		OnnxModel reread = OnnxModel.parse(model.toBytes(), "edited");
		assertTrue(reread.graph().nodes().stream().anyMatch(n -> n.name().equals("renamed_relu")));
		assertEquals("yes", reread.metadata().get("quantrace.test"));
	}

	@Test
	void weightsHeldInConstantNodesAreFoundLikeInitializers() {
		OnnxModel initializers = OnnxModel.load(TestData.example("model/fashion_cnn.onnx"));
		OnnxModel constants = OnnxModel.load(TestData.data("models/cnn_constant_weights.onnx"));
		assertEquals(11, constants.opset());
		assertTrue(constants.graph().initializers().isEmpty());
		for (Tensor expected : initializers.graph().initializers()) {
			Tensor found = constants.graph().constant(expected.name());
			assertNotNull(found, expected.name());
			assertEquals(DataType.FLOAT, found.dataType());
			assertArrayEquals(expected.dims(), found.dims());
			assertArrayEquals(expected.toFloatArray(), found.toFloatArray(), 0f, expected.name());
		}
	}

	@Test
	void subgraphsExposeTheirNodesAndReadOuterScopeConstants() {
		OnnxModel model = OnnxModel.load(TestData.data("models/if_subgraph.onnx"));
		Node branch = model.graph().nodes().stream().filter(n -> n.opType().equals("If")).findFirst().orElseThrow();
		assertEquals(2, branch.subgraphs().size());
		Graph then = branch.subgraphs().get("then_branch");
		assertEquals(3, then.nodes().size());
		assertSame(model.graph(), then.parent());
		Tensor w = then.constant("W");
		assertNotNull(w, "W is an initializer of the main graph, visible from the branch");
		assertArrayEquals(new long[] { 4, 3 }, w.dims());
		assertEquals(9, model.graph().allNodes().size());
		assertTrue(model.graph().consumers("W").contains(branch), "the If node reads W through its branches");
	}

	private static void assertSame(Object expected, Object actual) {
		org.junit.jupiter.api.Assertions.assertSame(expected, actual);
	}
}
