print("daemon-bench: under construction")
