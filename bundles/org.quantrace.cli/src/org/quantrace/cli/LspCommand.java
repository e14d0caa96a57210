package org.quantrace.cli;

import java.util.concurrent.Callable;

import org.quantrace.dsl.ide.server.RecipeLanguageServer;

import picocli.CommandLine.Command;

@Command(name = "lsp", mixinStandardHelpOptions = true,
		header = "Run the recipe language server on stdin and stdout (LSP).",
		description = "Diagnostics, completion, hover, formatting, outline and go-to-definition for .qr files in any LSP editor (Eclipse"
				+ " LSP4E, VS Code, Neovim). Logs go to standard error.")
final class LspCommand implements Callable<Integer> {

	@Override
	public Integer call() throws Exception {
		// stdout carries the protocol from here on: nothing else may print to it
		RecipeLanguageServer.serve(System.in, System.out, true);
		return ExitCodes.OK;
	}
}
