export class IpfsError extends Error {
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'IpfsError'
  }
}

export class IpfsTimeoutError extends IpfsError {
  constructor (message: string) {
    super(message)
    this.name = 'IpfsTimeoutError'
  }
}
