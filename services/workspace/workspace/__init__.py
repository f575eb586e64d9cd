"""The partnership workspace: the web pages people use, over the other services' HTTP APIs."""
