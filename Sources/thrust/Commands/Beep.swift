import ArgumentParser

struct Beep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "beep", abstract: "(not yet implemented)")
    func run() async throws {
        throw ValidationError("beep is not implemented yet")
    }
}
