package org.quantrace.engine.prune.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.prune.Pruner;
import org.quantrace.engine.prune.PruningResult;
import org.quantrace.engine.prune.PruningSpec;
import org.quantrace.model.recipe.PruningPattern;
import org.quantrace.model.recipe.ThresholdScope;
import org.quantrace.testing.TestModels;

/**
 * What the achieved sparsity counts (assessor59): element pruning of 30 % said 28.86 %, its count taking the biases, which the
 * element, vector and block patterns never prune. One Gemm of 10 x 8 weights and 10 biases: those patterns count the 80 weights
 * (at least 24 zeroed: 30 %), and the score words name what the pattern scores; channel pruning removes whole filters with
 * their biases and counts both.
 */
class ElementSparsityCountTest {

	private static OnnxModel gemm() {
		Random r = new Random(62);
		return OnnxModel.of(TestModels.graph(List.of(TestModels.node("Gemm", "fc", List.of("x", "w", "b"), "y").toBuilder()
				.addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("transB").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INT).setI(1))
				.build()), List.of(TestModels.uniform("w", r, -1, 1, 10, 8), TestModels.uniform("b", r, 0.5, 1, 10)), TestModels.tensor("x", 1, 8),
				TestModels.tensor("y", 1, 10)));
	}

	@ParameterizedTest
	@EnumSource(value = PruningPattern.class, names = { "ELEMENT", "VECTOR", "BLOCK" })
	void theGroupPatternsCountTheWeightsTheyZero(PruningPattern pattern) {
		PruningResult r = Pruner.prune(gemm(), "gemm", PruningSpec.of(pattern, 30, ThresholdScope.GLOBAL, List.of()));
		assertEquals(80, r.parametersBefore(), "the weights, not the 10 biases");
		assertEquals(80, r.layers().get(0).parametersBefore());
		assertTrue(r.achievedSparsity() >= 0.30, r.parametersAfter() + " of 80 left: " + r.achievedSparsity());
		assertEquals(r.parametersAfter(), r.layers().get(0).parametersAfter());
		String score = r.spec().scoreWords();
		assertTrue(!score.contains("channel"), score);
		assertTrue(score.contains(switch (pattern) {
		case ELEMENT -> "|w| of each weight";
		case VECTOR -> "of each vector of 4 consecutive weights";
		default -> "of each block of 4 outputs x 1 inputs";
		}), score);
	}

	@ParameterizedTest
	@EnumSource(value = PruningPattern.class, names = { "CHANNEL" })
	void channelPruningCountsWeightsAndBiases(PruningPattern pattern) {
		PruningResult r = Pruner.prune(gemm(), "gemm", PruningSpec.of(pattern, 30, ThresholdScope.GLOBAL, List.of()));
		assertEquals(90, r.parametersBefore(), "a channel removed takes its bias");
		assertTrue(r.spec().scoreWords().contains("of each output channel's filter"), r.spec().scoreWords());
	}
}
