import ArgumentParser

struct Analyze: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "analyze", abstract: "(not yet implemented)")
    func run() async throws {
        throw ValidationError("analyze is not implemented yet")
    }
}
