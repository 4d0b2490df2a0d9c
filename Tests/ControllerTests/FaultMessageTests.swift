import BenchCore
import Controller
import Testing
import Transport

/// What a user reads when a board fails under a run: the message and the exit status.
@Suite struct FaultMessageTests {
    @Test func aKilledAgentNamesItsSignal() {
        let killed = ControllerError.agentExited(device: "pi", status: 137, stderr: "")
        #expect(killed.description == "device pi: the agent was killed by signal 9 (SIGKILL) before finishing")
        #expect(killed.exitStatus == .failure)
        let crashed = ControllerError.agentExited(device: "pi", status: 139, stderr: "boom")
        #expect(crashed.description == "device pi: the agent was killed by signal 11 (SIGSEGV) before finishing: boom")
        #expect(ControllerError.agentExited(device: "pi", status: 2, stderr: "").description == "device pi: the agent exited with status 2 before finishing")
    }

    @Test func aFullBoardDiskSaysSoWithExitStatus74() {
        let full = TransportError.diskFull(label: "pi", path: "/w/models/a.plan", availableBytes: 0)
        #expect(full.description.hasPrefix("device pi: cannot write /w/models/a.plan: No space left on device (0 bytes available there); "))
        #expect(full.description.contains("boardbench device clean pi"))
        #expect(ControllerError.transport(full).exitStatus == .ioError)
    }
}
