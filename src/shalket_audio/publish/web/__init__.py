"""Static files of the player page (copied next to each episode)."""
