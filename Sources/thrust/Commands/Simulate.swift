import ArgumentParser

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "simulate", abstract: "(not yet implemented)")
    func run() async throws {
        throw ValidationError("simulate is not implemented yet")
    }
}
