package org.quantrace.cli;

import java.io.IOException;
import java.nio.file.Path;

import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.onnx.OnnxModel;

/** Writing a command's resulting model: atomically, with a clear error. */
final class ModelOutput {

	private ModelOutput() {
	}

	static void write(OnnxModel model, Path output) {
		try {
			model.save(output);
		} catch (IOException e) {
			throw new QuantraceException(output + ": cannot write the model (" + e.getMessage() + ")", "check the folder exists and is writable", e);
		}
	}
}
