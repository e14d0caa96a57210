package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.testing.TestModels;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;

/**
 * `quantrace convert` of a com.microsoft Attention without its bias input died in ONNX Runtime's kernel (SIGSEGV, exit 134); then,
 * refused when the reference session opened, it gave convert's generic hint ("fix the model or re-export it"). It is refused with
 * what to change: a bias of zeros.
 */
class AttentionWithoutBiasConvertTest {

	@Test
	void convertSaysToGiveTheAttentionABias() {
		NodeProto node = NodeProto.newBuilder().setOpType("Attention").setDomain("com.microsoft").setName("att").addAllInput(List.of("x", "w")).addOutput("y")
				.addAttribute(AttributeProto.newBuilder().setName("num_heads").setType(AttributeProto.AttributeType.INT).setI(2)).build();
		ModelProto m = TestModels.graph(List.of(node), List.of(TestModels.floats("w", new long[] { 8, 24 }, new float[8 * 24])), TestModels.tensor("x", 1, 4, 8),
				TestModels.tensor("y", 1, 4, 8));
		OnnxModel model = OnnxModel.of(m.toBuilder().addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(1)).build());
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Freezer.freeze(model, "att.onnx", FreezeOptions.defaults(), null));
		assertTrue(e.getMessage().contains("node 'att' (com.microsoft Attention) has no bias input"), e.getMessage());
		assertTrue(e.hint().startsWith("give the Attention a bias of zeros"), e.hint());
	}
}
