package org.quantrace.cli.tests;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.quantrace.cli.Main;

/** Runs the command line in-process and captures what it prints. */
record Cli(int exitCode, String out, String err) {

	static Cli run(String... args) {
		StringWriter out = new StringWriter();
		StringWriter err = new StringWriter();
		int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
		return new Cli(code, out.toString(), err.toString());
	}
}
