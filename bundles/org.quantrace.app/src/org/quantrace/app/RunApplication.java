package org.quantrace.app;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.eclipse.equinox.app.IApplication;
import org.eclipse.equinox.app.IApplicationContext;
import org.quantrace.cli.Main;

/**
 * {@code eclipse -nosplash -application org.quantrace.run RECIPE [options]}: runs a recipe headlessly in an
 * Eclipse installation (or the Quantrace headless product), exactly as {@code quantrace run} does, with
 * its options, output and exit codes.
 */
public class RunApplication implements IApplication {

	@Override
	public Object start(IApplicationContext context) {
		String[] given = (String[]) context.getArguments().getOrDefault(IApplicationContext.APPLICATION_ARGS, new String[0]);
		List<String> args = new ArrayList<>();
		args.add("run");
		// Eclipse's own options may reach the application: they are not the recipe's
		Arrays.stream(given).filter(a -> !a.equals("-nosplash") && !a.equals("--launcher.suppressErrors")).forEach(args::add);
		PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
		PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
		return Main.execute(args.toArray(String[]::new), out, err);
	}

	@Override
	public void stop() {
		// a run ends by itself; its output folder is only replaced when it completes
	}
}
