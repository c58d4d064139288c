print("stub-feeder: not yet")
