package org.quantrace.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.quantrace.runner.Merger;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "merge", mixinStandardHelpOptions = true,
		header = "Join the output folders of a sharded run into one.",
		description = "The folders of run --shard i/n jobs become one trace, one set of logs and one report.")
final class MergeCommand implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	@Parameters(arity = "1..*", paramLabel = "SHARD_DIR", description = "The shards' output folders.")
	List<Path> shards;

	@Option(names = { "-o", "--out" }, required = true, paramLabel = "DIR", description = "The merged output folder.")
	Path out;

	@Override
	public Integer call() {
		Path merged = Merger.merge(shards, out);
		spec.commandLine().getOut().println("Merged " + shards.size() + " shards into " + merged);
		return ExitCodes.OK;
	}
}
