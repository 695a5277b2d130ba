"""Pure domain of Guichet: standard library only, time always passed in as an argument."""
