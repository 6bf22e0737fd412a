"""What reaches the clinic's staff: crisis alerts, consultation requests, the staff inbox."""
