import ArgumentParser

struct Probe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "probe", abstract: "(not yet implemented)")
    func run() async throws {
        throw ValidationError("probe is not implemented yet")
    }
}
