#!/usr/bin/env node
import '../dist/src/ctl/main.js'
