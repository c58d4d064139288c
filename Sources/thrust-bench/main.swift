import ThrustCore
print("thrust-bench: not yet")
