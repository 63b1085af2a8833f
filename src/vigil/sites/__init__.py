"""Sites: the soft targets Vigil protects, with their perimeters, contacts and event calendars."""
