package org.quantrace.ide.run;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

import org.eclipse.ui.console.ConsolePlugin;
import org.eclipse.ui.console.IConsole;
import org.eclipse.ui.console.IConsoleManager;
import org.eclipse.ui.console.MessageConsole;

/** The "Quantrace" console: what runs print (the runner's log, verdicts, where the outputs are). */
final class RunConsole {

	private static final String NAME = "Quantrace";

	private final MessageConsole console;

	private RunConsole(MessageConsole console) {
		this.console = console;
	}

	static synchronized RunConsole get() {
		IConsoleManager manager = ConsolePlugin.getDefault().getConsoleManager();
		for (IConsole c : manager.getConsoles()) {
			if (NAME.equals(c.getName()) && c instanceof MessageConsole m) {
				return new RunConsole(m);
			}
		}
		MessageConsole created = new MessageConsole(NAME, null);
		manager.addConsoles(new IConsole[] { created });
		return new RunConsole(created);
	}

	/** A writer onto the console; lines appear as they are flushed. */
	PrintWriter writer() {
		console.activate();
		return new PrintWriter(new java.io.OutputStreamWriter(console.newMessageStream(), StandardCharsets.UTF_8), true);
	}
}
