// Hardware: I2C bus, IMU drivers, GPIO buzzer.
