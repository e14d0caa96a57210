package org.quantrace.cli;

import org.quantrace.engine.Versions;
import org.quantrace.engine.runtime.InferenceSession;

import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "quantrace", mixinStandardHelpOptions = true, versionProvider = QuantraceCommand.VersionProvider.class,
		description = "Quantize, prune and convert ONNX models from declarative recipes, with an AI-FSM audit trail.",
		subcommands = { InspectCommand.class, ConvertCommand.class, PruneCommand.class, FactorizeCommand.class, QuantizeCommand.class,
				EvaluateCommand.class, DebugCommand.class, RunCommand.class, VerifyCommand.class, MergeCommand.class, ValidateCommand.class, ImportConfigCommand.class, LspCommand.class,
				picocli.CommandLine.HelpCommand.class }) // the exit codes end each command's help: ExitCodes.listIn
public final class QuantraceCommand implements Runnable {

	@Spec
	CommandSpec spec;

	@Override
	public void run() {
		spec.commandLine().usage(spec.commandLine().getOut());
	}

	static final class VersionProvider implements IVersionProvider {
		@Override
		public String[] getVersion() {
			return new String[] { "quantrace " + Versions.quantrace(), "ONNX Runtime " + InferenceSession.runtimeVersion(),
					"Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")" };
		}
	}
}
