print("thrustd: under construction")
