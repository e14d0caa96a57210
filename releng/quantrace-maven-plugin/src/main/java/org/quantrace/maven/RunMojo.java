package org.quantrace.maven;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.quantrace.engine.Progress;
import org.quantrace.engine.QuantraceException;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.RunOptions;
import org.quantrace.runner.Shard;

/**
 * Runs Quantrace recipes in a build: each recipe's models, logs and report go to
 * {@code outputDirectory/RECIPE}. An invalid recipe fails the build; so does a rejected variant (an
 * acceptance criterion that does not hold), unless {@code failOnRejection} is false.
 */
@Mojo(name = "run", defaultPhase = LifecyclePhase.VERIFY, threadSafe = false, requiresProject = true)
public class RunMojo extends AbstractMojo {

	/** The recipe files to run. */
	@Parameter(required = true)
	private List<File> recipes;

	/** Where each recipe's outputs go, in a folder named after the recipe file. */
	@Parameter(defaultValue = "${project.build.directory}/quantrace", property = "quantrace.outputDirectory")
	private File outputDirectory;

	/** Fail the build when a variant fails an acceptance criterion. */
	@Parameter(defaultValue = "true", property = "quantrace.failOnRejection")
	private boolean failOnRejection;

	/** Run only these schemes of each recipe. */
	@Parameter(property = "quantrace.only")
	private List<String> only = new ArrayList<>();

	@Parameter(defaultValue = "false", property = "quantrace.skip")
	private boolean skip;

	@Override
	public void execute() throws MojoExecutionException, MojoFailureException {
		if (skip) {
			getLog().info("Quantrace: skipped");
			return;
		}
		List<String> rejected = new ArrayList<>();
		for (File recipe : recipes) {
			Path out = outputDirectory.toPath().resolve(recipe.getName().replaceFirst("\\.qr$", ""));
			getLog().info("Quantrace: running " + recipe + " into " + out);
			StringWriter steps = new StringWriter();
			RunOptions options = RunOptions.of(out, new LinkedHashSet<>(only), Shard.ALL, progress(), new PrintWriter(steps));
			RecipeRunner.Outcome outcome;
			try {
				outcome = RecipeRunner.run(recipe.toPath(), options);
			} catch (QuantraceException e) {
				throw new MojoExecutionException(e.getMessage() + (e.hint() != null ? " (" + e.hint() + ")" : ""), e);
			} finally {
				steps.toString().lines().forEach(l -> getLog().info("  " + l));
			}
			outcome.diagnostics().forEach(d -> {
				if (d.severity() == org.eclipse.xtext.diagnostics.Severity.ERROR) {
					getLog().error(d.toString());
				} else {
					getLog().warn(d.toString());
				}
			});
			if (outcome.exitCode() == 2) {
				throw new MojoFailureException(outcome.stopped() ? recipe + ": the run stopped on a sample it could not read: nothing was written"
						: recipe + " has errors: nothing was run");
			}
			getLog().info("Quantrace: " + (outcome.accepted() ? "accepted" : "REJECTED") + ", report " + out.resolve("report.html"));
			if (!outcome.accepted()) {
				rejected.add(recipe.getName());
			}
		}
		if (!rejected.isEmpty()) {
			String message = "Quantrace: a variant failed its acceptance criteria in " + String.join(", ", rejected) + " (see the reports)";
			if (failOnRejection) {
				throw new MojoFailureException(message);
			}
			getLog().warn(message);
		}
	}

	/** Progress as build log lines: one per finished task. */
	private Progress progress() {
		return (label, total, unit) -> new Progress.Task() {
			private long done;

			@Override
			public void advance(long amount) {
				done += amount;
			}

			@Override
			public void close() {
				getLog().info("  " + label + ": " + done + "/" + total + " " + unit);
			}
		};
	}
}
