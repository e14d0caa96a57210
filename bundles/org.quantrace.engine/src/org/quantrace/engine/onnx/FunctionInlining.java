package org.quantrace.engine.onnx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.InvalidInputException;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.FunctionProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;

/**
 * Replaces each call of a model-local function ({@code ModelProto.functions}, as onnxscript and torch's dynamo exporter
 * write a module: a node whose domain and op type name the function) by the function's body, as ONNX Runtime does when it
 * loads the model: formal inputs and outputs become the call's tensors, the body's own tensors get names of their own
 * (the call's name, a slash, the body's name), attributes referenced by name ({@code ref_attr_name}) take the call's value or
 * the function's default. Nested calls are inlined in turn. Without it every op inside a function stayed float (the
 * quantizer and the conversion see only the call). Bodies with subgraphs, and functions importing another default-domain
 * opset than the model's, are refused by name: inlining them would need rewriting the subgraphs or the ops' versions.
 */
public final class FunctionInlining {

	/** One call inlined: the node's name, the function's domain and name. */
	public record Call(String node, String domain, String function) {
		@Override
		public String toString() {
			return domain + "." + function + " '" + node + "'";
		}
	}

	/** Calls of calls: deeper nesting than this is taken for recursion. */
	private static final int MAX_DEPTH = 32;

	private FunctionInlining() {
	}

	/**
	 * Inlines every call of a model-local function in {@code model} (every graph) and drops the functions and the opset
	 * imports of their domains when nothing else uses them.
	 *
	 * @return the calls inlined (the graphs' own calls, not those inside function bodies)
	 * @throws InvalidInputException naming the function that cannot be inlined
	 */
	public static List<Call> inline(OnnxModel model, String source) {
		if (model.functions().isEmpty()) {
			return List.of();
		}
		Map<String, FunctionProto> functions = new LinkedHashMap<>();
		model.functions().forEach(f -> functions.put(key(f.getDomain(), f.getName()), f));
		Set<String> names = new HashSet<>(model.graph().tensorNames());
		Set<String> nodeNames = new HashSet<>();
		model.graph().allNodes().forEach(n -> nodeNames.add(n.name()));
		List<Call> inlined = new ArrayList<>();
		for (Graph g : model.graph().graphs()) {
			for (Node call : List.copyOf(g.nodes())) {
				FunctionProto f = functions.get(key(call.domain(), call.opType()));
				if (f != null) { // expand checks the function first
					inlined.add(new Call(call.name(), call.domain(), call.opType()));
					expand(g, call, functions, model, source, names, nodeNames, 0);
				}
			}
		}
		Set<String> domains = new HashSet<>();
		model.graph().allNodes().forEach(n -> domains.add(n.domain()));
		Set<String> functionDomains = new HashSet<>();
		functions.values().forEach(f -> functionDomains.add(f.getDomain()));
		model.setFunctions(List.of());
		for (String d : functionDomains) {
			if (!domains.contains(d) && !d.isEmpty() && !d.equals("ai.onnx")) {
				model.removeOpsetImport(d);
			}
		}
		return inlined;
	}

	private static void expand(Graph g, Node call, Map<String, FunctionProto> functions, OnnxModel model, String source, Set<String> names,
			Set<String> nodeNames, int depth) {
		FunctionProto f = functions.get(key(call.domain(), call.opType()));
		if (depth > MAX_DEPTH) {
			throw new InvalidInputException(source + ": model-local function " + f.getDomain() + "." + f.getName() + " calls itself (through "
					+ MAX_DEPTH + " levels of calls)", "functions cannot be recursive in ONNX: re-export the model");
		}
		check(f, model, source);
		String prefix = call.name().isEmpty() ? call.output(0) : call.name();
		Map<String, String> rename = new HashMap<>();
		for (int i = 0; i < f.getInputCount(); i++) {
			rename.put(f.getInput(i), i < call.inputs().size() ? call.input(i) : "");
		}
		for (int i = 0; i < f.getOutputCount(); i++) {
			String actual = i < call.outputs().size() ? call.output(i) : "";
			rename.put(f.getOutput(i), actual.isEmpty() ? g.uniqueName(prefix + "/" + f.getOutput(i), names) : actual);
		}
		Map<String, AttributeProto> given = new HashMap<>();
		f.getAttributeProtoList().forEach(a -> given.put(a.getName(), a));
		call.attributes().forEach(a -> given.put(a.getName(), a));
		List<Node> body = new ArrayList<>();
		int index = 0;
		for (NodeProto b : f.getNodeList()) {
			NodeProto.Builder n = b.toBuilder().clearInput().clearOutput().clearAttribute();
			n.setName(unique(prefix + "/" + (b.getName().isEmpty() ? b.getOpType() + "_" + index : b.getName()), nodeNames));
			index++;
			for (String in : b.getInputList()) {
				n.addInput(in.isEmpty() ? "" : rename.computeIfAbsent(in, t -> g.uniqueName(prefix + "/" + t, names)));
			}
			for (String out : b.getOutputList()) {
				n.addOutput(out.isEmpty() ? "" : rename.computeIfAbsent(out, t -> g.uniqueName(prefix + "/" + t, names)));
			}
			for (AttributeProto a : b.getAttributeList()) {
				if (!a.getRefAttrName().isEmpty()) {
					AttributeProto value = given.get(a.getRefAttrName());
					if (value != null) {
						n.addAttribute(value.toBuilder().setName(a.getName()).clearRefAttrName());
					}
				} else {
					n.addAttribute(a);
				}
			}
			body.add(g.newNode(n.build()));
		}
		int at = g.nodes().indexOf(call);
		g.nodes().remove(at);
		g.nodes().addAll(at, body);
		for (Node n : body) {
			if (functions.containsKey(key(n.domain(), n.opType()))) {
				expand(g, n, functions, model, source, names, nodeNames, depth + 1);
			}
		}
	}

	private static void check(FunctionProto f, OnnxModel model, String source) {
		String name = f.getDomain() + "." + f.getName();
		for (NodeProto b : f.getNodeList()) {
			if (b.getAttributeList().stream().anyMatch(a -> a.hasG() || a.getGraphsCount() > 0)) {
				throw new InvalidInputException(source + ": model-local function " + name + " holds a node with a subgraph ('" + b.getOpType()
						+ "'), which Quantrace does not inline", "export the model without functions (torch.onnx.export without dynamo, or"
								+ " onnx.inliner.inline_local_functions)");
			}
		}
		for (OperatorSetIdProto o : f.getOpsetImportList()) {
			String d = o.getDomain().equals("ai.onnx") ? "" : o.getDomain();
			Long mine = model.opsetImports().get(d);
			if (d.isEmpty() && mine != null && mine != o.getVersion()) {
				throw new InvalidInputException(source + ": model-local function " + name + " imports default-domain opset " + o.getVersion()
						+ " and the model " + mine + ": its ops would change versions when inlined",
						"export the model with one opset for the graph and its functions, or without functions");
			}
			if (mine == null && !d.isEmpty()) {
				model.setOpset(d, o.getVersion());
			}
		}
	}

	private static String unique(String base, Set<String> taken) {
		String name = base;
		for (int i = 1; !taken.add(name); i++) {
			name = base + "_" + i;
		}
		return name;
	}

	private static String key(String domain, String name) {
		return domain + "\u0000" + name;
	}
}
