import Agent
import BenchCore
import Foundation
import Probes
import Testing

/// The `command` runner through the agent's measurement path, against fake programs written
/// here from each format's description (docs/formats.md, "Runner output formats"), not from
/// the parsers: each prints what the real tool would, with numbers the test controls.
@Suite struct ExternalRunnerTests {
    /// A directory of executable scripts, removed when the test ends.
    final class Programs {
        let dir: URL
        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("bb-runners-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(at: dir) }

        func write(_ name: String, _ body: String) throws -> String {
            let path = dir.appendingPathComponent(name).path
            try ("#!/bin/sh\n" + body).write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
            return path
        }

        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
    }

    static let quick = MeasurementSettings(
        warmupRuns: 2, warmupSeconds: 0, iterations: 5, minMeasureSeconds: 0, minSampleMilliseconds: 0, counters: ["perf::PERF_COUNT_SW_TASK_CLOCK"],
        energy: false)

    static func measure(_ runner: RunnerRequest, settings: MeasurementSettings = quick, model: String = "/dev/null") -> BenchmarkOutcome {
        BenchmarkRunner.measure(BenchmarkRequest(name: "external", planPath: model, planHash: "h", settings: settings, runner: runner))
    }

    /// The line format: every `BB sample` is one sample, in order; other lines are the program's.
    @Test func theLineFormatGivesTheProgramsOwnSamples() throws {
        let p = try Programs()
        let fake = try p.write(
            "fake-lines",
            """
            echo "loading $2 with $3 threads"
            sleep 0.12
            echo "BB test infer"
            i=0
            while [ $i -lt "$1" ]; do echo "BB sample $((2000000 + i * 1000))"; i=$((i + 1)); done
            echo "BB metric throughput 480.5 items/s"
            """)
        let o = Self.measure(RunnerRequest(kind: .command, command: [fake, "{iterations}", "{model}", "{threads}"], format: "lines"))
        #expect(o.status == .ok, "\(o.error ?? "")")
        #expect(o.samplesNanoseconds == (0..<5).map { 2_000_000 + Int64($0) * 1000 })
        #expect(o.repeatsPerSample == 1)
        let r = try #require(o.runner)
        #expect(r.kind == .command && r.timing == "output" && r.invocations == 1)
        #expect(r.argv == [fake, "5", "/dev/null", "1"])
        #expect(r.test == "infer")
        #expect(r.metrics == [RunnerMetric(test: "infer", name: "throughput", value: 480.5, unit: "items/s")])
        // The program's own warm-ups ({warmup} was not in the command): none are claimed.
        #expect(o.warmupRuns == 0)
        // The program's own peak (a shell: a few MiB), not the agent's, which it shared until exec.
        let peak = try #require(o.peakResidentKiB)
        #expect(peak > 0 && peak < 16 * 1024, "\(peak) KiB")
        // Counters are inherited by the program: its CPU time is in task-clock.
        let clock = try #require(o.counters?.readings.first { $0.event == "perf::PERF_COUNT_SW_TASK_CLOCK" })
        #expect((clock.value ?? 0) > 0)
        #expect(o.environmentBefore != nil && o.environmentAfter != nil)
    }

    /// llama-bench's JSON lines: one record per test; `select` picks the benchmark's.
    @Test func llamaBenchTestsAreSelectedByName() throws {
        let p = try Programs()
        let fake = try p.write(
            "llama-bench",
            #"""
            # -r N -t T: N repetitions of a 64-token prompt and of 16 generated tokens.
            n=$2; t=$4
            samples() { i=0; out=""; while [ $i -lt $n ]; do out="$out${out:+, }$(( $1 + i * 1000000 ))"; i=$((i + 1)); done; echo "$out"; }
            echo "{\"build_commit\": \"fake\", \"n_prompt\": 64, \"n_gen\": 0, \"n_threads\": $t, \"avg_ns\": 500000000, \"stddev_ns\": 1000, \"avg_ts\": 128.0, \"stddev_ts\": 0.5, \"samples_ns\": [ $(samples 500000000) ]}"
            echo "{\"build_commit\": \"fake\", \"n_prompt\": 0, \"n_gen\": 16, \"n_threads\": $t, \"avg_ns\": 800000000, \"stddev_ns\": 1000, \"avg_ts\": 20.0, \"stddev_ts\": 0.1, \"samples_ns\": [ $(samples 800000000) ]}"
            """#)
        let command = [fake, "-r", "{iterations}", "-t", "{threads}"]
        let tg = Self.measure(RunnerRequest(kind: .command, command: command, format: "llama-bench", select: "tg16"))
        #expect(tg.status == .ok, "\(tg.error ?? "")")
        #expect(tg.samplesNanoseconds == (0..<5).map { 800_000_000 + Int64($0) * 1_000_000 })
        #expect(tg.runner?.test == "tg16")
        #expect(tg.runner?.metrics.contains(RunnerMetric(test: "tg16", name: "tokens/s", value: 20, unit: "tokens/s")) == true)
        #expect(tg.runner?.metrics.contains(RunnerMetric(test: "pp64", name: "tokens/s", value: 128, unit: "tokens/s")) == true)

        // Two tests and no `select`: the message names both.
        let both = Self.measure(RunnerRequest(kind: .command, command: command, format: "llama-bench"))
        #expect(both.status == .failed)
        #expect(both.error?.contains("has 2 tests (pp64, tg16); name one with select") == true, "\(both.error ?? "")")
        let wrong = Self.measure(RunnerRequest(kind: .command, command: command, format: "llama-bench", select: "tg128"))
        #expect(wrong.error?.contains("has no test tg128 (it has pp64, tg16)") == true, "\(wrong.error ?? "")")
    }

    /// benchmark_model prints only aggregates: run once per sample, its `avg` (µs) is the sample.
    @Test func benchmarkModelGivesOneSamplePerRunThroughItsMetric() throws {
        let p = try Programs()
        let counter = p.path("runs")
        let fake = try p.write(
            "benchmark_model",
            """
            echo run >> \(counter)
            n=$(wc -l < \(counter))
            echo "INFO: Running benchmark for at least 1 iterations and at least 0 seconds but terminate if exceeding 150 seconds."
            echo "INFO: count=1 curr=9000 min=9000 max=9000 avg=9000 std=0"
            echo ""
            echo "INFO: Running benchmark for at least 1 iterations and at least 0 seconds but terminate if exceeding 150 seconds."
            echo "INFO: count=1 first=$((1000 + n)) curr=$((1000 + n)) min=$((1000 + n)) max=$((1000 + n)) avg=$((1000 + n)) std=0 p5=$((1000 + n)) median=$((1000 + n)) p95=$((1000 + n))"
            echo ""
            echo "INFO: Inference timings in us: Init: 5000, First inference: 9000, Warmup (avg): 9000, Inference (avg): $((1000 + n))"
            """)
        let runner = RunnerRequest(kind: .command, command: [fake, "--graph={model}", "--num_runs=1"], format: "benchmark_model", sampleMetric: "avg")
        let o = Self.measure(runner)
        #expect(o.status == .ok, "\(o.error ?? "")")
        // One run per sample: the n-th run printed 1000 + n µs.
        #expect(o.samplesNanoseconds == (1...5).map { (1000 + Int64($0)) * 1000 })
        #expect(o.runner?.invocations == 5)
        #expect(try String(contentsOfFile: counter, encoding: .utf8).split(separator: "\n").count == 5)

        let none = Self.measure(RunnerRequest(kind: .command, command: [fake], format: "benchmark_model"))
        #expect(none.status == .failed)
        #expect(none.error?.contains("has no per-iteration times; name a sampleMetric") == true, "\(none.error ?? "")")
        let missing = Self.measure(RunnerRequest(kind: .command, command: [fake], format: "benchmark_model", sampleMetric: "mean"))
        #expect(missing.error?.contains("has no metric mean") == true, "\(missing.error ?? "")")
    }

    /// trtexec: the summary's latency mean (ms) as one sample per run, or every iteration from
    /// the file `--exportTimes={output}` names.
    @Test func trtexecSummaryAndExportedTimes() throws {
        let p = try Programs()
        let summary = try p.write(
            "trtexec",
            """
            echo "&&&& RUNNING TensorRT.trtexec [TensorRT v100300] # trtexec $*"
            echo "[12/07/2026-10:00:00] [I] === Performance summary ==="
            echo "[12/07/2026-10:00:00] [I] Throughput: 400 qps"
            echo "[12/07/2026-10:00:00] [I] Latency: min = 2.4 ms, max = 2.6 ms, mean = 2.5 ms, median = 2.5 ms, percentile(90%) = 2.6 ms, percentile(95%) = 2.6 ms, percentile(99%) = 2.6 ms"
            echo "&&&& PASSED TensorRT.trtexec [TensorRT v100300] # trtexec $*"
            """)
        let s = Self.measure(RunnerRequest(kind: .command, command: [summary, "--loadEngine={model}"], format: "trtexec", sampleMetric: "latency mean"))
        #expect(s.status == .ok, "\(s.error ?? "")")
        #expect(s.samplesNanoseconds == [Int64](repeating: 2_500_000, count: 5))
        #expect(s.runner?.metrics.contains(RunnerMetric(test: "", name: "throughput", value: 400, unit: "qps")) == true)

        let times = try p.write(
            "trtexec-times",
            #"""
            for a in "$@"; do case "$a" in --exportTimes=*) out="${a#--exportTimes=}";; --iterations=*) n="${a#--iterations=}";; esac; done
            echo "&&&& PASSED TensorRT.trtexec"
            i=0; sep="["
            { while [ $i -lt $n ]; do echo "$sep { \"startEnqMs\" : $i, \"computeMs\" : 1.5, \"latencyMs\" : 2.$i }"; sep=","; i=$((i + 1)); done; echo "]"; } > "$out"
            """#)
        let t = Self.measure(
            RunnerRequest(kind: .command, command: [times, "--iterations={iterations}", "--exportTimes={output}"], format: "trtexec-times"))
        #expect(t.status == .ok, "\(t.error ?? "")")
        #expect(t.samplesNanoseconds == [2_000_000, 2_100_000, 2_200_000, 2_300_000, 2_400_000])
        // The {output} file is the agent's and is gone afterwards.
        let argv = try #require(t.runner?.argv)
        let written = String(try #require(argv.last?.dropFirst("--exportTimes=".count)))
        #expect(written.hasPrefix("/") && !FileManager.default.fileExists(atPath: written))
    }

    /// No output format: the agent times whole runs, with its own warm-ups and calibration.
    @Test func invocationTimingRunsTheProgramForEverySample() throws {
        let p = try Programs()
        let counter = p.path("runs")
        // Long enough for the agent to read its memory (every 50 ms while it runs).
        let fake = try p.write("tiny", "echo run >> \(counter)\nsleep 0.06\n")
        let o = Self.measure(RunnerRequest(kind: .command, command: [fake]))
        #expect(o.status == .ok, "\(o.error ?? "")")
        let r = try #require(o.runner)
        #expect(r.timing == "invocation")
        // The cold start, the warm-ups and every execution of every sample were runs of it.
        let runs = try String(contentsOfFile: counter, encoding: .utf8).split(separator: "\n").count
        #expect(runs == r.invocations)
        #expect(r.invocations == 1 + o.warmupRuns + o.samplesNanoseconds.count * o.repeatsPerSample)
        #expect(o.warmupRuns == 2 && o.samplesNanoseconds.count == 5)
        #expect(o.coldStartNanoseconds > 0 && o.samplesNanoseconds.allSatisfy { $0 > 0 })
        #expect((o.peakResidentKiB ?? 0) > 0 && (o.processCPUNanoseconds ?? 0) > 0)
    }

    /// Energy applies to programs too: per inference when each run is one, totals only when
    /// the program times itself (its runs hold loading and warm-ups as well).
    @Test func energyCoversTheProgramsRuns() throws {
        let p = try Programs()
        let meter = try p.write("meter", "echo 5.0\n")
        let energy = EnergyConfig(provider: .command, command: [meter], sampleRateHertz: 50, minimumSamples: 5, idleBaselineSeconds: 0.1)
        var settings = Self.quick
        settings.energy = true
        let tiny = try p.write("tiny", "sleep 0.02\n")
        let whole = BenchmarkRunner.measure(
            BenchmarkRequest(name: "e", planPath: "/dev/null", planHash: "h", settings: settings, runner: RunnerRequest(kind: .command, command: [tiny])),
            device: DeviceContext(ProbeConfig(energy: energy)))
        #expect(whole.status == .ok, "\(whole.error ?? "")")
        let e = try #require(whole.energy)
        #expect(e.status == .measured, "\(e.reason ?? "")")
        #expect(e.inferences == whole.samplesNanoseconds.count * whole.repeatsPerSample)
        #expect(abs(try #require(e.averageWatts) - 5) < 0.05)
        #expect((e.joulesPerInference ?? 0) > 0)

        let lines = try p.write("lines", "sleep 0.1\necho 'BB sample 1000000'\necho 'BB sample 1000000'\n")
        var two = settings
        two.iterations = 2
        let own = BenchmarkRunner.measure(
            BenchmarkRequest(
                name: "e", planPath: "/dev/null", planHash: "h", settings: two, runner: RunnerRequest(kind: .command, command: [lines], format: "lines")),
            device: DeviceContext(ProbeConfig(energy: energy)))
        #expect(own.status == .ok, "\(own.error ?? "")")
        let o = try #require(own.energy)
        #expect(o.status == .measured && (o.totalJoules ?? 0) > 0, "\(o.reason ?? "")")
        #expect(o.joulesPerInference == nil)
        #expect(own.countersPerExecution == nil || own.countersPerExecution?.isEmpty == true)
        #expect(own.runner?.notes?.contains { $0.contains("not per inference") } == true)
    }

    @Test func aFailingProgramIsAFailedResultWithItsMessage() throws {
        let p = try Programs()
        let fake = try p.write("broken", "echo 'error: model file is corrupt' >&2\nexit 3\n")
        for format in [nil, "lines"] {
            let o = Self.measure(RunnerRequest(kind: .command, command: [fake, "{model}"], format: format))
            #expect(o.status == .failed)
            #expect(o.error == "\(fake) exited with status 3: error: model file is corrupt", "\(o.error ?? "")")
            #expect(o.samplesNanoseconds.isEmpty)
        }
        let absent = Self.measure(RunnerRequest(kind: .command, command: ["/nonexistent/llama-bench"]))
        #expect(absent.error == "cannot run /nonexistent/llama-bench: No such file or directory", "\(absent.error ?? "")")
        // Output that is not the format named: the parser's message, with the program.
        let quiet = try p.write("quiet", "echo hello\n")
        let o = Self.measure(RunnerRequest(kind: .command, command: [quiet], format: "lines"))
        #expect(o.error?.hasPrefix("output of \(quiet) as lines: ") == true, "\(o.error ?? "")")
    }

    /// A program that hangs is killed (with its children) before the benchmark's time limit.
    @Test func aHangingProgramIsKilledWithItsProcessGroup() throws {
        let p = try Programs()
        let marker = "bb-hang-\(UUID().uuidString.prefix(8))"
        let fake = try p.write("hang", "sleep 300 &\necho \"$!\" > \(p.path("child"))\nexec sleep 301 # \(marker)\n")
        var settings = Self.quick
        settings.timeoutSeconds = 2
        let started = Date()
        let o = Self.measure(RunnerRequest(kind: .command, command: [fake]), settings: settings)
        #expect(o.status == .failed)
        #expect(o.error?.contains("did not finish before the benchmark's time limit") == true, "\(o.error ?? "")")
        #expect(Date().timeIntervalSince(started) < 10)
        // The program's own child went with it (the whole process group was killed).
        let child = try #require(pid_t(try String(contentsOfFile: p.path("child"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(Self.gone(child), "sleep \(child) outlived the benchmark")
    }

    /// What a program leaves running in its process group is killed when it exits, so it
    /// cannot run on through later samples.
    @Test func aProgramsLeftoverChildrenGoWhenItExits() throws {
        let p = try Programs()
        let fake = try p.write("leaves", "sleep 300 &\necho \"$!\" >> \(p.path("children"))\necho 'BB sample 1000000'\n")
        var settings = Self.quick
        settings.iterations = 1
        let started = Date()
        let o = Self.measure(RunnerRequest(kind: .command, command: [fake], format: "lines"), settings: settings)
        #expect(o.status == .ok, "\(o.error ?? "")")
        // The background sleep holds the program's output open: the agent must not wait for it.
        #expect(Date().timeIntervalSince(started) < 60)
        let children = try String(contentsOfFile: p.path("children"), encoding: .utf8).split(separator: "\n").compactMap { pid_t($0) }
        #expect(!children.isEmpty)
        for child in children { #expect(Self.gone(child), "sleep \(child) outlived its program") }
    }

    /// A program that closes its standard output and then hangs is still stopped at the limit.
    @Test func aProgramThatHangsAfterClosingItsOutputIsStopped() throws {
        let p = try Programs()
        let fake = try p.write("quiet-hang", "exec >&-\nexec sleep 300\n")
        var settings = Self.quick
        settings.timeoutSeconds = 2
        let started = Date()
        let o = Self.measure(RunnerRequest(kind: .command, command: [fake]), settings: settings)
        #expect(o.status == .failed)
        #expect(o.error == "\(fake) did not finish before the benchmark's time limit (0.9 × timeoutSeconds)", "\(o.error ?? "")")
        #expect(Date().timeIntervalSince(started) < 10)
    }

    /// True once `pid` no longer runs (gone, or a zombie waiting for its parent), within 2 s.
    static func gone(_ pid: pid_t) -> Bool {
        for _ in 0..<100 {
            if kill(pid, 0) != 0 || (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.contains(") Z ") == true { return true }
            usleep(20_000)
        }
        return false
    }

    @Test func requestsThatCannotWorkAreRefusedBeforeAnythingRuns() {
        let cases: [(RunnerRequest, String)] = [
            (RunnerRequest(kind: .command, command: []), "runner command: the command is empty"),
            (RunnerRequest(kind: .command, command: ["x", "{modle}"]), "runner command: unknown placeholder {modle} in {modle}"),
            (RunnerRequest(kind: .command, command: ["x"], format: "csv"), "runner command: unknown output format csv"),
            (RunnerRequest(kind: .command, command: ["x", "{output}"]), "runner command: {output} needs an output format"),
            (RunnerRequest(kind: .onnxruntime, graphOptimization: "max"), "runner onnxruntime: graphOptimization max is not one of"),
        ]
        for (runner, message) in cases {
            let o = Self.measure(runner)
            #expect(o.status == .failed)
            #expect(o.error?.hasPrefix(message) == true, "\(o.error ?? "")")
        }
    }
}
