print("hw-bench: not yet")
